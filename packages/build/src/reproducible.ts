/**
 * Makes artifacts/python/ the same bytes whoever built it, wherever: what
 * pip and uv leave in a --target folder that depends on the machine, the
 * installer or the host Python goes, and each RECORD is rewritten to match.
 *
 * - `bin/`: console-script launchers whose shebang is the host Python's
 *   absolute path. Lambda never runs them (a layer's code is imported).
 * - `.lock`: the 0-byte lock file uv leaves at the top of a --target folder.
 * - `*.dist-info/INSTALLER` ("pip" or "uv"), `REQUESTED` (which packages the
 *   installer was asked for by name), `direct_url.json` (the absolute path of
 *   a wheel installed from a file).
 * - RECORD lines for those files, and for paths outside the tree (`../../bin/x`),
 *   are dropped; the rest is sorted, so pip's and uv's RECORDs are alike.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordPath, writeFileAtomically } from '@lambda-layer/core';

/** Top-level entries of artifacts/python/ that are never part of a layer. */
export const DROPPED_TOP_LEVEL = ['bin', '.lock'] as const;
/** Files in a *.dist-info folder that only say how and by whom it was installed. */
export const DROPPED_DIST_INFO_FILES = ['INSTALLER', 'REQUESTED', 'direct_url.json'] as const;

export interface NormalizeReport {
  /** Paths removed, relative to the python folder (`bin/normalizer`, `six-1.17.0.dist-info/INSTALLER`). */
  removed: string[];
  /** RECORD files rewritten. */
  records: number;
}

async function listRecursive(root: string, relative: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = `${relative}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listRecursive(root, path)));
    else out.push(path);
  }
  return out;
}

/**
 * The RECORD of one distribution with the dropped files' lines gone, paths
 * that leave the tree gone, and the rest sorted (RECORD itself, unhashed, last).
 */
export function rewriteRecord(text: string, distInfo: string, dropped: ReadonlySet<string>): string {
  const self = `${distInfo}/RECORD`;
  const lines = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      const path = recordPath(line);
      return path !== self && !dropped.has(path) && !path.startsWith('/') && !path.split('/').includes('..') && !/^[A-Za-z]:/.test(path);
    });
  const unique = [...new Set(lines)].sort((a, b) => (recordPath(a) < recordPath(b) ? -1 : recordPath(a) > recordPath(b) ? 1 : 0));
  return `${[...unique, `${self},,`].join('\n')}\n`;
}

export async function normalizeInstalledTree(pythonDir: string): Promise<NormalizeReport> {
  const report: NormalizeReport = { removed: [], records: 0 };
  const top = await readdir(pythonDir, { withFileTypes: true });
  const dropped = new Set<string>();
  for (const entry of top) {
    if (!(DROPPED_TOP_LEVEL as readonly string[]).includes(entry.name)) continue;
    const files = entry.isDirectory() ? await listRecursive(pythonDir, entry.name) : [entry.name];
    for (const file of files) dropped.add(file);
    report.removed.push(...files);
    await rm(join(pythonDir, entry.name), { recursive: true, force: true });
  }
  const distInfos = top.filter((entry) => entry.isDirectory() && entry.name.endsWith('.dist-info')).map((entry) => entry.name);
  // Each distribution on its own, side by side; the report in name order.
  const results = await Promise.all(
    distInfos.map(async (distInfo) => {
      const present = new Set(await readdir(join(pythonDir, distInfo)));
      const removed = DROPPED_DIST_INFO_FILES.filter((name) => present.has(name)).map((name) => `${distInfo}/${name}`);
      await Promise.all(removed.map((path) => rm(join(pythonDir, path), { force: true })));
      if (!present.has('RECORD')) return { removed, record: false };
      const recordFile = join(pythonDir, distInfo, 'RECORD');
      const before = await readFile(recordFile, 'utf8');
      const after = rewriteRecord(before, distInfo, new Set([...dropped, ...removed]));
      // A new file renamed over the old one, never written into it: uv hard-links installed files to its
      // cache (its default on Linux), and writing through the link would change the cached copy for every later install.
      if (after !== before) await writeFileAtomically(recordFile, after);
      return { removed, record: true };
    }),
  );
  for (const result of results) {
    report.removed.push(...result.removed);
    if (result.record) report.records += 1;
  }
  return report;
}
