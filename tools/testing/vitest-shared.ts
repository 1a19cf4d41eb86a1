/**
 * What every Vitest config of the repo shares: the package aliases (tests
 * import the packages' sources, so a run needs no build) and the harness
 * (moto, the loopback index and the pinned installers' cache, two workers,
 * the closing `tests:` line). vitest.config.ts runs the suite with it;
 * tools/testing/lanes/vitest.config.ts the lanes.
 */
import { fileURLToPath } from 'node:url';
import { packages } from '../../vitest.workspace.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

// @lambda-layer/testing needs no alias: it is a workspace package whose exports are its sources.
export const testAliases = packages.map((name) => ({ find: `@lambda-layer/${name}`, replacement: `${root}packages/${name}/src/index.ts` }));

export const harness = {
  globalSetup: [`${root}tools/testing/global-setup.ts`],
  setupFiles: [`${root}tools/testing/setup-env.ts`],
  // Two cores: two workers; real tools and moto do the heavy lifting.
  pool: 'forks' as const,
  maxWorkers: 2,
  reporters: ['default', `${root}tools/testing/summary-reporter.ts`],
  passWithNoTests: false,
};
