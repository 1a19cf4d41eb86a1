/** File-tree helpers for tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** Writes `files` (relative path -> content) into a new folder below `parent` and returns it. */
export async function writeTree(parent: string, files: Record<string, string | Buffer>, prefix = 'tree-'): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/**
 * A temporary folder for the tests of one file (or, with `each`, one per test),
 * removed afterwards. Read `temp.path` inside tests and hooks.
 */
export function useTempDir(prefix: string, options: { each?: boolean } = {}): { readonly path: string } {
  let current: string | undefined;
  const [setUp, tearDown] = options.each ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(async () => {
    current = await mkdtemp(join(tmpdir(), prefix));
  });
  tearDown(async () => {
    if (current) await rm(current, { recursive: true, force: true });
  });
  return {
    get path(): string {
      if (!current) throw new Error('useTempDir: the folder exists only inside tests and hooks');
      return current;
    },
  };
}
