/**
 * The lanes that need more than the loopback index, run on request:
 *   npm run test:public-index   builds from pypi.org (pandas, numpy, refusals)
 *   npm run test:arm64          imports arm64 layers under qemu-user-static
 * Same harness as `npm test` (moto, loopback index, the pinned installers' cache).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packages } from '../../../vitest.workspace.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const lane = (name: string) => ({ extends: true as const, test: { name, root: `${root}tools/testing/lanes`, include: [`${name}.lane.ts`] } });

export default defineConfig({
  resolve: {
    alias: [
      ...packages.map((name) => ({ find: `@lambda-layer/${name}`, replacement: `${root}packages/${name}/src/index.ts` })),
      { find: '@lambda-layer/testing', replacement: `${root}tools/testing/index.ts` },
    ],
  },
  test: {
    projects: [lane('public-index'), lane('arm64')],
    globalSetup: [`${root}tools/testing/global-setup.ts`],
    setupFiles: [`${root}tools/testing/setup-env.ts`],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    reporters: ['default', `${root}tools/testing/summary-reporter.ts`],
    passWithNoTests: false,
  },
});
