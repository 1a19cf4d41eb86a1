/** Lambda's size limits, checked before a byte is written. */
import { ErrorCodes, formatBytes, LAMBDA_LIMITS, LayerError, type Logger } from '@lambda-layer/core';
import { compareNames, type ScannedEntry } from './scan-tree.js';

export interface SizeLimits {
  /** Unzipped bytes of a function and all its layers (262,144,000). */
  unzippedBytes: number;
  /** Direct-upload limit of a zip (50 MB): over it only a warning, S3 still works. */
  zipWarnBytes: number;
}

export const DEFAULT_SIZE_LIMITS: SizeLimits = {
  unzippedBytes: LAMBDA_LIMITS.unzippedBytes,
  zipWarnBytes: LAMBDA_LIMITS.directUploadZipBytes,
};

export interface PackageSize {
  name: string;
  bytes: number;
}

/** Sizes per top-level entry of python/ (a package folder, a module, a dist-info), largest first. */
export function largestTopLevel(entries: readonly ScannedEntry[], count = 10): PackageSize[] {
  const sizes = new Map<string, number>();
  for (const entry of entries) {
    if (entry.directory) continue;
    const top = entry.relPath.split('/')[0] as string;
    sizes.set(top, (sizes.get(top) ?? 0) + entry.size);
  }
  return [...sizes]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || compareNames(a.name, b.name))
    .slice(0, count);
}

const withCommas = (n: number) => n.toLocaleString('en-US');

/** Fails when the layer alone is over Lambda's unzipped limit, naming what takes the room. */
export function checkUnzippedSize(entries: readonly ScannedEntry[], unzippedBytes: number, limits: SizeLimits = DEFAULT_SIZE_LIMITS): void {
  if (unzippedBytes <= limits.unzippedBytes) return;
  const largest = largestTopLevel(entries);
  const list = largest.map((p) => `${p.name} ${formatBytes(p.bytes)}`).join(', ');
  throw new LayerError(
    ErrorCodes.LAYER_TOO_LARGE,
    `the layer is ${withCommas(unzippedBytes)} bytes unzipped, over Lambda's limit of ${withCommas(limits.unzippedBytes)} bytes for a function and its layers; largest top-level packages: ${list}`,
    {
      hint: 'leave packages out with --ignore GLOB (or move big ones to a container image) and run layer package again',
      details: { unzippedBytes, limitBytes: limits.unzippedBytes, largest },
    },
  );
}

/** Over 50 MB a zip cannot be sent to Lambda directly; publishing from S3 (the normal path) still works. */
export function warnIfZipLarge(zippedBytes: number, logger: Logger, limits: SizeLimits = DEFAULT_SIZE_LIMITS): boolean {
  if (zippedBytes <= limits.zipWarnBytes) return false;
  logger.warn(
    `layer.zip is ${formatBytes(zippedBytes)}, over Lambda's ${formatBytes(limits.zipWarnBytes)} direct-upload limit; publish it from S3 (layer upload, then layer publish), which still works`,
  );
  return true;
}
