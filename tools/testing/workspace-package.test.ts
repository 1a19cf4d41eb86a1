/** @lambda-layer/testing is a workspace package that is never published. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './paths.js';

const readJson = (path: string) =>
  JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as {
    name?: string;
    private?: boolean;
    workspaces?: string[];
    release?: { projects: string[] };
  };

describe('the @lambda-layer/testing package', () => {
  it('is private, a root workspace, and outside every nx release group', () => {
    const manifest = readJson('tools/testing/package.json');
    expect(manifest.name).toBe('@lambda-layer/testing');
    expect(manifest.private).toBe(true);
    expect(readJson('package.json').workspaces).toContain('tools/testing');
    expect(readJson('nx.json').release?.projects).toEqual(['packages/*']);
  });

  it('is what `@lambda-layer/testing` resolves to', async () => {
    const resolved = import.meta.resolve('@lambda-layer/testing');
    expect(resolved).toMatch(/\/tools\/testing\/index\.ts$/);
  });
});
