import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { recordPath } from './reproducible.js';
import { normalizeName } from './requirements.js';

export interface InstalledDistribution {
  /** Normalised name (`markupsafe`). */
  name: string;
  version: string;
  distInfo: string;
  /** Files the distribution installed (from RECORD), relative to the python dir, `/`-separated. */
  files: string[];
  /** Its METADATA's Requires-Python, if any. */
  requiresPython: string | undefined;
}

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

/** A field of METADATA's header block (the long description after the first blank line may quote anything). */
function header(metadata: string, field: string): string | undefined {
  const headers = metadata.split(/\r?\n\r?\n/, 1)[0] ?? '';
  return new RegExp(`^${field}:\\s*(.+)$`, 'mi').exec(headers)?.[1]?.trim();
}

/** The distributions installed in a --target folder, read from their *.dist-info. */
export async function listInstalled(pythonDir: string): Promise<InstalledDistribution[]> {
  const distInfos = (await readdir(pythonDir, { withFileTypes: true })).filter((entry) => entry.isDirectory() && entry.name.endsWith('.dist-info'));
  const out = await Promise.all(
    distInfos.map(async (entry): Promise<InstalledDistribution> => {
      const dir = join(pythonDir, entry.name);
      const [metadata, record] = await Promise.all([readFile(join(dir, 'METADATA'), 'utf8').catch(() => ''), readFile(join(dir, 'RECORD'), 'utf8').catch(() => '')]);
      const [fallbackName, fallbackVersion] = entry.name.slice(0, -'.dist-info'.length).split('-');
      return {
        name: normalizeName(header(metadata, 'Name') ?? fallbackName ?? entry.name),
        version: header(metadata, 'Version') ?? fallbackVersion ?? '0',
        distInfo: entry.name,
        files: record.split('\n').map((line) => recordPath(line.trim())).filter(Boolean),
        requiresPython: header(metadata, 'Requires-Python'),
      };
    }),
  );
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `name==version`, sorted by name: the result's package list. */
export function packageList(installed: readonly InstalledDistribution[]): string[] {
  return installed.map((dist) => `${dist.name}==${dist.version}`);
}
