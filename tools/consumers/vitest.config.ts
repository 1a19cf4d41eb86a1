/**
 * The consumer lane (`npm run test:consumers`): the packages as users get them.
 * Every package is packed with `npm pack` and the tarballs are installed into
 * fresh folders outside the repository: a plain npm project and Nx workspaces
 * at the lowest and highest Nx major the plugin supports. Its own Vitest run
 * (not part of `npm test`), against the same moto server and loopback package
 * index as the unit tests. No aliases: consumer tests install the tarballs
 * and import only the workspace's @lambda-layer/testing; ci-recipes.test.ts
 * alone reads the output names from the sources (so lint needs no build).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  test: {
    include: ['tools/consumers/**/*.test.ts'],
    globalSetup: [`${root}tools/testing/global-setup.ts`, `${root}tools/consumers/global-setup.ts`],
    setupFiles: [`${root}tools/testing/setup-env.ts`],
    pool: 'forks',
    maxWorkers: 2,
    // npm installs and whole Nx runs: minutes, not seconds, on a loaded 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default', `${root}tools/testing/summary-reporter.ts`],
    passWithNoTests: false,
  },
});
