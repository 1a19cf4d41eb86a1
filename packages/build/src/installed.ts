import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { InstalledDistribution } from '@lambda-layer/core';

/** Read by core's dist-info reader, which the package step shares. */
export { listInstalled, type InstalledDistribution } from '@lambda-layer/core';

export interface TreeFile {
  path: string;
  bytes: number;
  /** Any execute bit set: a program, which may be ELF whatever its name. */
  executable: boolean;
}

/** Every file under a folder, relative to it with `/` separators. */
export async function walkFiles(root: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  // A folder's entries are looked at side by side: a layer has thousands of files.
  const visit = async (dir: string): Promise<void> => {
    await Promise.all(
      (await readdir(dir, { withFileTypes: true })).map(async (entry) => {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) return visit(full);
        if (!entry.isFile() && !entry.isSymbolicLink()) return;
        const info = await stat(full);
        out.push({ path: relative(root, full).split(sep).join('/'), bytes: info.size, executable: (info.mode & 0o111) !== 0 });
      }),
    );
  };
  await visit(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `name==version`, sorted by name: the result's package list. */
export function packageList(installed: readonly InstalledDistribution[]): string[] {
  return installed.map((dist) => `${dist.name}==${dist.version}`);
}
