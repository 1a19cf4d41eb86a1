/**
 * Walks artifacts/python/ once: the files and folders that go into layer.zip
 * (sorted, so the zip never depends on the order the file system lists them),
 * what the exclusion rules left out, and the facts the package stamp hashes.
 * A symlink is followed and stored as what it points to, but only inside the tree.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ErrorCodes, type ExcludedEntry, LayerError, specialFileError } from '@lambda-layer/core';
import type { ExclusionRules } from './exclusions.js';
import type { ZipInputEntry } from './zip-writer.js';

export interface ScannedEntry extends ZipInputEntry {
  /** Path relative to python/, `/`-separated (empty for python/ itself). */
  relPath: string;
}

export interface TreeScan {
  /** Sorted by zip name; python/ first. */
  entries: ScannedEntry[];
  files: number;
  unzippedBytes: number;
  /** Per rule, largest first (then by name); only rules that left something out. */
  excluded: ExcludedEntry[];
}

/** The zip's entry order: plain code-unit order of the names, the same on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

async function measure(path: string): Promise<{ files: number; bytes: number }> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return { files: 0, bytes: 0 };
  if (!info.isDirectory()) return { files: 1, bytes: info.size };
  let files = 0;
  let bytes = 0;
  // Excluded folders are only measured for the summary; links below them are not followed.
  for (const child of await readdir(path, { withFileTypes: true })) {
    const sub = join(path, child.name);
    if (child.isDirectory()) {
      const inner = await measure(sub);
      files += inner.files;
      bytes += inner.bytes;
    } else if (child.isFile()) {
      files += 1;
      bytes += (await lstat(sub)).size;
    }
  }
  return { files, bytes };
}

export async function scanTree(pythonDir: string, rules: ExclusionRules, zipRoot = 'python'): Promise<TreeScan> {
  const root = await realpath(pythonDir);
  const entries: ScannedEntry[] = [];
  const excluded = new Map<string, ExcludedEntry>();
  const exclude = async (rule: string, path: string) => {
    const { files, bytes } = await measure(path);
    const entry = excluded.get(rule) ?? { name: rule, files: 0, bytes: 0 };
    entry.files += files;
    entry.bytes += bytes;
    excluded.set(rule, entry);
  };

  entries.push({ name: `${zipRoot}/`, relPath: '', directory: true, size: 0, executable: false });

  /** `dir` is the real folder to read, `relDir` where it appears in the zip; `chain` guards against link loops. */
  const walk = async (dir: string, relDir: string, chain: ReadonlySet<string>): Promise<void> => {
    const children = await readdir(dir, { withFileTypes: true });
    await Promise.all(
      children.map(async (child) => {
        const relPath = relDir ? `${relDir}/${child.name}` : child.name;
        const path = join(dir, child.name);
        let source = path;
        let info = await lstat(path);
        if (info.isSymbolicLink()) {
          const target = await realpath(path).catch(() => undefined);
          if (!target) {
            throw new LayerError(ErrorCodes.SYMLINK_BROKEN, `broken symlink ${zipRoot}/${relPath} in ${pythonDir}`, {
              hint: 'remove the link or rebuild the layer (layer build --force)',
            });
          }
          const targetInfo = await stat(target);
          const rule = rules.match(relPath, targetInfo.isDirectory());
          if (rule) return exclude(rule, path);
          if (!isInside(root, target)) {
            throw new LayerError(ErrorCodes.SYMLINK_OUTSIDE_TREE, `symlink ${zipRoot}/${relPath} points outside ${pythonDir} (to ${target})`, {
              hint: 'replace the link with a copy of the file, or leave it out with --ignore',
              details: { link: `${zipRoot}/${relPath}`, target },
            });
          }
          source = target;
          info = targetInfo;
        } else {
          const rule = rules.match(relPath, info.isDirectory());
          if (rule) return exclude(rule, path);
        }
        if (info.isDirectory()) {
          if (chain.has(source)) {
            throw new LayerError(ErrorCodes.SYMLINK_BROKEN, `symlink loop at ${zipRoot}/${relPath} in ${pythonDir}`, {
              hint: 'remove the link that points to one of its own parent folders',
            });
          }
          entries.push({ name: `${zipRoot}/${relPath}/`, relPath, directory: true, size: 0, executable: false });
          await walk(source, relPath, new Set([...chain, source]));
        } else if (info.isFile()) {
          entries.push({
            name: `${zipRoot}/${relPath}`,
            relPath,
            directory: false,
            source,
            size: info.size,
            executable: (info.mode & 0o111) !== 0,
          });
        } else {
          // The build stamp's digest refuses these first; a FIFO, socket or device has no place in a layer.
          throw specialFileError(`${zipRoot}/${relPath}`, 'not a file, folder or link');
        }
      }),
    );
  };
  await walk(root, '', new Set([root]));

  entries.sort((a, b) => compareNames(a.name, b.name));
  let files = 0;
  let unzippedBytes = 0;
  for (const entry of entries) {
    if (entry.directory) continue;
    files += 1;
    unzippedBytes += entry.size;
  }
  const excludedList = [...excluded.values()].sort((a, b) => b.bytes - a.bytes || compareNames(a.name, b.name));
  return { entries, files, unzippedBytes, excluded: excludedList };
}
