import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packages, projects } from './vitest.workspace.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the packages' sources, so a test run needs no build
    // (the CLI tests, which spawn the bin, need `npm run build`).
    alias: [
      ...packages.map((name) => ({ find: `@lambda-layer/${name}`, replacement: `${root}packages/${name}/src/index.ts` })),
      { find: '@lambda-layer/testing', replacement: `${root}tools/testing/index.ts` },
    ],
  },
  test: {
    projects,
    globalSetup: [`${root}tools/testing/global-setup.ts`],
    setupFiles: [`${root}tools/testing/setup-env.ts`],
    // Two cores: two workers; real tools and moto do the heavy lifting.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', `${root}tools/testing/summary-reporter.ts`],
    passWithNoTests: false,
  },
});
