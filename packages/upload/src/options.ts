import type { S3Client } from '@aws-sdk/client-s3';
import { type BuildTool, type Logger, parseBuildTool, S3Path, silentLogger } from '@lambda-layer/core';

/** What `uploadLayerZip` takes; the S3 client is injected, never created here. */
export interface UploadLayerZipOptions {
  /** The folder holding pyproject.toml (and build/lambda/layer/layer.zip). */
  projectDir: string;
  /** Decides which manifest is fingerprinted: requirements.txt, poetry.lock or uv.lock. */
  tool: BuildTool;
  /** Folder URI such as s3://bucket/app/lambda/; the zip goes to {s3dir}layer/layer.zip. */
  s3dir: string | S3Path;
  s3Client: S3Client;
  /** Upload even when the object in S3 already has the same fingerprints. */
  force?: boolean;
  /** Only say whether the zip would be sent (one HeadObject); nothing is written. */
  dryRun?: boolean;
  logger?: Logger;
  /** Only used for the console URL. */
  region?: string;
  /** Multipart tuning; the defaults suit a 2-core machine (see DEFAULT_PART_SIZE). */
  partSize?: number;
  queueSize?: number;
  /** Stops the upload (Ctrl-C in the CLI): parts already sent are aborted, the old object stays. */
  signal?: AbortSignal;
}

/**
 * 8 MiB parts (the AWS CLI's default chunk size) and 4 in flight: an upload is
 * network-bound, so more requests than cores keep the pipe full while the
 * per-part CPU work (signing hash, CRC32) stays within 2 cores; measured in
 * bench/upload.bench.ts.
 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;

export interface ValidatedUploadOptions {
  projectDir: string;
  tool: BuildTool;
  /** Kept raw until preflight step 1.3 checks it, so a bad URI is reported as a step. */
  s3dir: string | S3Path;
  s3Client: S3Client;
  force: boolean;
  dryRun: boolean;
  logger: Logger;
  region: string | undefined;
  partSize: number;
  queueSize: number;
  signal: AbortSignal | undefined;
}

/** Fills defaults and checks what can be checked without touching disk or S3. */
export function validateUploadOptions(options: UploadLayerZipOptions): ValidatedUploadOptions {
  return {
    projectDir: options.projectDir,
    // The tool may come straight from a config string at run time, whatever the type says.
    tool: parseBuildTool(options.tool),
    s3dir: options.s3dir,
    s3Client: options.s3Client,
    force: options.force ?? false,
    dryRun: options.dryRun === true,
    logger: options.logger ?? silentLogger,
    region: options.region,
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    queueSize: options.queueSize ?? DEFAULT_QUEUE_SIZE,
    signal: options.signal,
  };
}
