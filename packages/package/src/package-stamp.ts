/**
 * The package stamp (build/lambda/layer/.package-stamp.json): a fingerprint of
 * the input tree (every entry's path, size, mtime and mode, what was left out)
 * and of the options, next to the result and the zip's size and mtime. When
 * all match, layer.zip is current and the step returns `unchanged` without
 * reading a file's content.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { PackageResult } from '@lambda-layer/core';
import { writeAtomically } from './atomic-file.js';
import type { TreeScan } from './scan-tree.js';

/** Bump when the zip bytes for the same input would change (writer or format changes). */
export const ZIP_FORMAT_VERSION = 1;

export interface StampOptions {
  ignore: readonly string[];
  defaultIgnore: boolean;
  keepBytecode: boolean;
  compressionLevel: number;
}

export interface PackageStamp {
  version: number;
  fingerprint: string;
  zip: { bytes: number; mtimeMs: number };
  result: PackageResult;
}

export function treeFingerprint(scan: TreeScan, options: StampOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: ZIP_FORMAT_VERSION, ...options, ignore: [...options.ignore] }));
  hash.update('\n');
  for (const entry of scan.entries) {
    hash.update(`${entry.name}\0${entry.size}\0${entry.mtimeMs}\0${entry.mode}\0${entry.source ?? ''}\n`);
  }
  for (const excluded of scan.excluded) hash.update(`-${excluded.name}\0${excluded.files}\0${excluded.bytes}\n`);
  return hash.digest('hex');
}

export async function readPackageStamp(path: string): Promise<PackageStamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(path, 'utf8')) as PackageStamp;
    return stamp.version === ZIP_FORMAT_VERSION && typeof stamp.fingerprint === 'string' ? stamp : undefined;
  } catch {
    return undefined;
  }
}

export async function writePackageStamp(path: string, zipPath: string, fingerprint: string, result: PackageResult): Promise<void> {
  const info = await stat(zipPath);
  const stamp: PackageStamp = { version: ZIP_FORMAT_VERSION, fingerprint, zip: { bytes: info.size, mtimeMs: info.mtimeMs }, result };
  await writeAtomically(path, (temp) => writeFile(temp, `${JSON.stringify(stamp, null, 2)}\n`));
}

export async function removePackageStamp(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The stamp's result when the zip on disk is the one it describes and the input is unchanged. */
export async function unchangedResult(stampPath: string, zipPath: string, fingerprint: string): Promise<PackageResult | undefined> {
  const stamp = await readPackageStamp(stampPath);
  if (!stamp || stamp.fingerprint !== fingerprint) return undefined;
  const info = await stat(zipPath).catch(() => undefined);
  if (!info || info.size !== stamp.zip.bytes || info.mtimeMs !== stamp.zip.mtimeMs) return undefined;
  return { ...stamp.result, zipPath, status: 'unchanged' };
}
