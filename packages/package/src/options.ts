import { type BuildTool, ErrorCodes, LayerError, type Logger, silentLogger } from '@lambda-layer/core';
import { DEFAULT_SIZE_LIMITS, type SizeLimits } from './size-limits.js';

export interface PackageLayerOptions {
  /** The folder holding pyproject.toml. */
  projectDir: string;
  /** pip installs in place; Poetry and uv builds may leave a venv whose site-packages is moved first. */
  tool?: BuildTool;
  /** Extra glob patterns, relative to python/, to leave out (a pattern without `/` matches a name at any depth). */
  ignore?: string[];
  /** Leave out boto3, botocore, s3transfer, urllib3, setuptools, pip, wheel, twine, _pytest, pytest, except those the project names itself (default true). */
  defaultIgnore?: boolean;
  /** Keep __pycache__/ and *.pyc (default false). */
  keepBytecode?: boolean;
  /** Deflate level 0-9 (default 6: within 1% of -9's size at a fraction of its time). */
  compressionLevel?: number;
  /** Package even when the stamp says layer.zip is current. */
  force?: boolean;
  logger?: Logger;
  /** Parallel compressions (default: cores + 1, within libuv's thread pool). */
  concurrency?: number;
  /** Reuse compressed bytes of unchanged files from the last run (build/lambda/layer/.package-cache; default true). */
  cache?: boolean;
  /** Lambda's limits; only tests lower them. */
  limits?: Partial<SizeLimits>;
  /** Stops packaging (Ctrl-C in the CLI): the temporary zip is removed, layer.zip and its stamp stay as they were. */
  signal?: AbortSignal;
}

export interface ValidatedPackageOptions {
  projectDir: string;
  tool: BuildTool | undefined;
  ignore: string[];
  defaultIgnore: boolean;
  keepBytecode: boolean;
  compressionLevel: number;
  force: boolean;
  logger: Logger;
  concurrency: number | undefined;
  cache: boolean;
  limits: SizeLimits;
  signal: AbortSignal | undefined;
}

export const DEFAULT_COMPRESSION_LEVEL = 6;

export function validatePackageOptions(options: PackageLayerOptions): ValidatedPackageOptions {
  const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new LayerError(
      ErrorCodes.INVALID_OPTION,
      `compression level must be a whole number from 0 to 9, got ${JSON.stringify(options.compressionLevel)}`,
      {
        hint: 'pass --compression-level 0-9 (0 stores, 9 is smallest and slowest; default 6)',
      },
    );
  }
  const ignore = options.ignore ?? [];
  for (const pattern of ignore) {
    if (typeof pattern !== 'string' || pattern.trim() === '') {
      throw new LayerError(ErrorCodes.INVALID_OPTION, `ignore patterns must be non-empty globs, got ${JSON.stringify(pattern)}`, {
        hint: 'pass --ignore "GLOB", e.g. --ignore "*/tests/*"',
      });
    }
  }
  return {
    projectDir: options.projectDir,
    tool: options.tool,
    ignore: [...ignore],
    defaultIgnore: options.defaultIgnore ?? true,
    keepBytecode: options.keepBytecode ?? false,
    compressionLevel: level,
    force: options.force ?? false,
    logger: options.logger ?? silentLogger,
    concurrency: options.concurrency,
    cache: options.cache ?? true,
    limits: { ...DEFAULT_SIZE_LIMITS, ...options.limits },
    signal: options.signal,
  };
}
