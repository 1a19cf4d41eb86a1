/**
 * The test projects: one per package. vitest.config.ts reads this list
 * (Vitest 4 ignores a workspace file that nothing imports), so this file is
 * what decides which tests run.
 */
import { fileURLToPath } from 'node:url';

// Absolute roots, so the list means the same from any working directory
// (Nx runs each package's `vitest run --root ../.. --project <name>` from the package folder).
const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export const packages = ['core', 'build', 'package', 'upload', 'publish', 'cli', 'nx'] as const;

export const projects: Array<{ extends: true; test: { name: string; root: string; include: string[] } }> = packages.map((name) => ({
  extends: true as const,
  test: {
    name,
    root: `${repoRoot}packages/${name}`,
    include: ['src/**/*.test.ts'],
  },
}));

/** The harness's own smoke test: moto and the loopback index really work. */
projects.push({ extends: true as const, test: { name: 'harness', root: `${repoRoot}tools/testing`, include: ['**/*.test.ts'] } });
/** The repository's own tooling (lint, format, the clean dist before packing): tools/*.test.ts, not the lanes below it. */
projects.push({ extends: true as const, test: { name: 'tools', root: `${repoRoot}tools`, include: ['*.test.ts'] } });

export default projects;
