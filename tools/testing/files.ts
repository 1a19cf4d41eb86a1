/** File-tree helpers for tests. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes `files` (relative path -> content) into a new folder below `parent` and returns it. */
export async function writeTree(parent: string, files: Record<string, string | Buffer>, prefix = 'tree-'): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}
