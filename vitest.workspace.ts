/**
 * The test projects: one per package. vitest.config.ts reads this list
 * (Vitest 4 ignores a workspace file that nothing imports), so this file is
 * what decides which tests run.
 */
export const packages = ['core', 'build', 'package', 'upload', 'publish', 'cli'] as const;

export const projects: Array<{ extends: true; test: { name: string; root: string; include: string[] } }> = packages.map((name) => ({
  extends: true as const,
  test: {
    name,
    root: `packages/${name}`,
    include: ['src/**/*.test.ts'],
  },
}));

/** The harness's own smoke test: moto and the loopback index really work. */
projects.push({ extends: true as const, test: { name: 'harness', root: 'tools/testing', include: ['**/*.test.ts'] } });

export default projects;
