import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { normalizeName } from './requirements.js';

export interface InstalledDistribution {
  /** Normalised name (`markupsafe`). */
  name: string;
  version: string;
  distInfo: string;
  /** Files the distribution installed (from RECORD), relative to the python dir, `/`-separated. */
  files: string[];
}

/** Every file under a folder, relative to it with `/` separators. */
export async function walkFiles(root: string): Promise<Array<{ path: string; bytes: number }>> {
  const out: Array<{ path: string; bytes: number }> = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push({ path: relative(root, full).split(sep).join('/'), bytes: (await stat(full)).size });
    }
  };
  await visit(root);
  return out;
}

function header(metadata: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.+)$`, 'mi').exec(metadata)?.[1]?.trim();
}

/** The distributions installed in a --target folder, read from their *.dist-info. */
export async function listInstalled(pythonDir: string): Promise<InstalledDistribution[]> {
  const out: InstalledDistribution[] = [];
  for (const entry of await readdir(pythonDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.endsWith('.dist-info')) continue;
    const dir = join(pythonDir, entry.name);
    const metadata = await readFile(join(dir, 'METADATA'), 'utf8').catch(() => '');
    const [fallbackName, fallbackVersion] = entry.name.slice(0, -'.dist-info'.length).split('-');
    const record = await readFile(join(dir, 'RECORD'), 'utf8').catch(() => '');
    out.push({
      name: normalizeName(header(metadata, 'Name') ?? fallbackName ?? entry.name),
      version: header(metadata, 'Version') ?? fallbackVersion ?? '0',
      distInfo: entry.name,
      files: record.split('\n').map((line) => line.split(',')[0] ?? '').filter(Boolean),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `name==version`, sorted by name: the result's package list. */
export function packageList(installed: readonly InstalledDistribution[]): string[] {
  return installed.map((dist) => `${dist.name}==${dist.version}`);
}
