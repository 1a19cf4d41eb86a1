/**
 * The one reader of what pip and uv install beside a distribution: its
 * `*.dist-info` folder (METADATA, RECORD, top_level.txt), as the wheel spec
 * and the installed-distribution spec (PEP 376, PEP 627) describe it. The
 * build reads it to list and check what it installed, the package step to
 * find every file of a package it leaves out. Written by hand: a few lines of
 * CSV and RFC 822 headers, which no npm library reads as Python does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizePackageName } from './manifest-packages.js';

export interface InstalledDistribution {
  /** Normalised name (`markupsafe`). */
  name: string;
  version: string;
  /** The folder's name, `markupsafe-3.0.2.dist-info`. */
  distInfo: string;
  /** Files the distribution installed (from RECORD), relative to the python dir, `/`-separated. */
  files: string[];
  /** Its METADATA's Requires-Python, if any. */
  requiresPython: string | undefined;
  /** The importable top-level names its top_level.txt lists (setuptools writes it; many wheels have none). */
  topLevel: string[];
}

const DIST_FOLDER = /^(.+?)-([^-/]+)\.(dist-info|data)$/;

/** The distribution a `{name}-{version}.dist-info` or `.data` folder belongs to, by its name alone (name as written). */
export function parseDistFolderName(folder: string): { name: string; version: string; kind: 'dist-info' | 'data' } | undefined {
  const match = DIST_FOLDER.exec(folder);
  return match ? { name: match[1] as string, version: match[2] as string, kind: match[3] as 'dist-info' | 'data' } : undefined;
}

/** One RECORD line's path (the first CSV field; RECORD quotes paths holding commas). */
export function recordPath(line: string): string {
  if (!line.startsWith('"')) return line.split(',')[0] ?? '';
  let path = '';
  for (let i = 1; i < line.length; i += 1) {
    if (line[i] === '"') {
      if (line[i + 1] === '"') {
        path += '"';
        i += 1;
      } else break;
    } else path += line.charAt(i);
  }
  return path;
}

/** The paths a RECORD lists, `/`-separated, in its order. */
export function recordPaths(record: string): string[] {
  return record
    .split(/\r?\n/)
    .map((line) => recordPath(line.trim()).replace(/\\/g, '/'))
    .filter(Boolean);
}

/** A field of METADATA's header block (the long description after the first blank line may quote anything). */
export function metadataHeader(metadata: string, field: string): string | undefined {
  const headers = metadata.split(/\r?\n\r?\n/, 1)[0] ?? '';
  return new RegExp(`^${field}:\\s*(.+)$`, 'mi').exec(headers)?.[1]?.trim();
}

/** One `*.dist-info` folder of `pythonDir`; a missing file reads as empty. */
export async function readDistInfo(pythonDir: string, distInfo: string): Promise<InstalledDistribution> {
  const dir = join(pythonDir, distInfo);
  const read = (file: string) => readFile(join(dir, file), 'utf8').catch(() => '');
  const [metadata, record, topLevel] = await Promise.all([read('METADATA'), read('RECORD'), read('top_level.txt')]);
  const fromFolder = parseDistFolderName(distInfo);
  return {
    name: normalizePackageName(metadataHeader(metadata, 'Name') ?? fromFolder?.name ?? distInfo),
    version: metadataHeader(metadata, 'Version') ?? fromFolder?.version ?? '0',
    distInfo,
    files: recordPaths(record),
    requiresPython: metadataHeader(metadata, 'Requires-Python'),
    topLevel: topLevel
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
  };
}

/** The `*.dist-info` folder names at the top of `pythonDir`. */
async function listDistInfoFolders(pythonDir: string): Promise<string[]> {
  const entries = await readdir(pythonDir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && entry.name.endsWith('.dist-info')).map((entry) => entry.name);
}

/** The distributions installed in a --target folder, read from their *.dist-info, by name. */
export async function listInstalled(pythonDir: string): Promise<InstalledDistribution[]> {
  const folders = await listDistInfoFolders(pythonDir);
  const out = await Promise.all(folders.map((folder) => readDistInfo(pythonDir, folder)));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
