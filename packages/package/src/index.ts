/**
 * @lambda-layer/package — step 2: artifacts/python/ -> build/lambda/layer/layer.zip,
 * fast (parallel deflate), byte-reproducible, filtered and checked against Lambda's limits.
 */
import type { PackageResult } from '@lambda-layer/core';
import { type PackageLayerOptions, validatePackageOptions } from './options.js';
import { PackageLayerCommand } from './package-layer-command.js';

export type { PackageLayerOptions } from './options.js';
export { DEFAULT_COMPRESSION_LEVEL } from './options.js';
export { PackageLayerCommand } from './package-layer-command.js';
export { DEFAULT_IGNORED_PACKAGES, BYTECODE_RULE } from './exclusions.js';
export { DEFAULT_SIZE_LIMITS, type SizeLimits } from './size-limits.js';
export { writeZip, type ZipInputEntry, type ZipWriteOptions, type ZipWriteSummary } from './zip-writer.js';

/** Packages artifacts/python/ into layer.zip; `unchanged` when the stamp says layer.zip is current (unless force). */
export async function packageLayer(options: PackageLayerOptions): Promise<PackageResult> {
  return new PackageLayerCommand(validatePackageOptions(options)).run();
}
