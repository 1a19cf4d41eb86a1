import { defineConfig } from 'vitest/config';
import { harness, testAliases } from './tools/testing/vitest-shared.js';
import { projects } from './vitest.workspace.js';

export default defineConfig({
  resolve: {
    // Tests import the packages' sources, so a test run needs no build
    // (the CLI tests, which spawn the bin, need `npm run build`).
    alias: testAliases,
  },
  test: {
    projects,
    ...harness,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
