/**
 * The lanes that need more than the loopback index, run on request:
 *   npm run test:public-index   builds from pypi.org (pandas, numpy, refusals)
 *   npm run test:arm64          imports arm64 layers under qemu-user-static
 * Same harness as `npm test` (moto, loopback index, the pinned installers' cache).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { harness, testAliases } from '../vitest-shared.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const lane = (name: string) => ({ extends: true as const, test: { name, root: here, include: [`${name}.lane.ts`] } });

export default defineConfig({
  resolve: { alias: testAliases },
  test: {
    projects: [lane('public-index'), lane('arm64')],
    ...harness,
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
  },
});
