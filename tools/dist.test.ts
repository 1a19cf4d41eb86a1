/**
 * A package never packs a stale dist/: `tsc -b` leaves the output of a deleted
 * source behind, so each package's `prepack` (tools/dist.mjs check) refuses a
 * dist/ file that no source builds, and `npm run build:clean` starts from nothing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { staleOutputs } from './dist.mjs';

const temp = useTempDir('layer-dist-check-', { each: true });

/** A package like ours (a `prepack` running the check) whose dist/ holds `dist` next to src/index.ts's outputs. */
async function fakePackage(extra: string[]): Promise<string> {
  const dir = temp.path;
  await mkdir(join(dir, 'src', 'generators'), { recursive: true });
  await mkdir(join(dir, 'dist', 'generators'), { recursive: true });
  await writeFile(join(dir, 'src', 'index.ts'), 'export const one = 1;\n');
  await writeFile(join(dir, 'src', 'generators', 'schema.json'), '{}\n');
  for (const file of ['index.js', 'index.js.map', 'index.d.ts', 'generators/schema.json', '.tsbuildinfo', ...extra])
    await writeFile(join(dir, 'dist', file), '\n');
  const scripts = { prepack: `node ${join(repoRoot, 'tools', 'dist.mjs')} check` };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'fake', version: '1.0.0', files: ['dist'], scripts }));
  return dir;
}

describe('the dist check before packing', () => {
  it('packs a dist/ whose every file comes from a source (maps, declarations, a copied JSON)', async () => {
    const dir = await fakePackage([]);
    expect(staleOutputs(join(dir, 'dist'), join(dir, 'src'))).toEqual([]);
    const result = await run('npm', ['pack', '--dry-run', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
  });

  it('refuses to pack when dist/ holds the output of a deleted source, naming it and the fix', async () => {
    const dir = await fakePackage(['renamed.js', 'renamed.d.ts']);
    expect(staleOutputs(join(dir, 'dist'), join(dir, 'src'))).toEqual(['renamed.d.ts', 'renamed.js']);
    const result = await run('npm', ['pack', '--dry-run'], { cwd: dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /error: .*dist holds 2 file\(s\) no source builds any more \(renamed\.d\.ts, renamed\.js\); run `npm run build:clean`/,
    );
  });

  it('is every package’s prepack, and the release builds from a clean dist', async () => {
    for (const name of ['core', 'build', 'package', 'upload', 'publish', 'cli', 'nx']) {
      const manifest = JSON.parse(await readFile(join(repoRoot, 'packages', name, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(manifest.scripts.prepack, name).toBe('node ../../tools/dist.mjs check');
    }
    const nx = JSON.parse(await readFile(join(repoRoot, 'nx.json'), 'utf8')) as { release: { version: { preVersionCommand: string } } };
    expect(nx.release.version.preVersionCommand).toBe('node tools/dist.mjs clean-build');
  });
});
