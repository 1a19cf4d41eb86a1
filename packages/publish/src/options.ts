import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  ARCHITECTURES,
  type Architecture,
  type BuildTool,
  ErrorCodes,
  LAMBDA_LIMITS,
  LAMBDA_RUNTIMES,
  LayerError,
  type Logger,
  parseBuildTool,
  S3Path,
  s3Layout,
  type S3Layout,
  silentLogger,
} from '@lambda-layer/core';
import { parseLayerArn } from './layer-arn.js';

export interface PublishLayerVersionOptions {
  /** The folder holding pyproject.toml and the manifest. */
  projectDir: string;
  tool: BuildTool;
  /** A layer name (1-140 of [a-zA-Z0-9-_]) or a layer ARN. */
  layerName: string;
  /** The S3 folder the layer artifacts live under, e.g. s3://bucket/app/lambda/. */
  s3dir: string | S3Path;
  s3Client: S3Client;
  lambdaClient: LambdaClient;
  description?: string;
  compatibleRuntimes?: readonly string[];
  compatibleArchitectures?: readonly string[];
  licenseInfo?: string;
  logger?: Logger;
  /** Publish a new version even when the latest one holds this manifest (to replace a bad version). */
  force?: boolean;
  /** Remove the publish lock whoever holds it (after printing who), then publish. */
  forceUnlock?: boolean;
  /** Ctrl-C / SIGTERM: stops the publish with E_INTERRUPTED saying what state it left. */
  signal?: AbortSignal;
  /** Publish lock tuning (tests shorten these). */
  lock?: PublishLockSettings;
}

export interface PublishLockSettings {
  /**
   * The lock's lease: a lock not renewed for this long (by S3's clock) belongs
   * to a dead run and is taken over. Default 60 seconds.
   */
  staleAfterMs?: number;
  /** How often the holder renews the lock. Default a third of the lease (20 seconds). */
  heartbeatMs?: number;
  /** How long to wait for another live run's lock before giving up. Default 10 minutes. */
  waitMs?: number;
  /** Poll interval while waiting. Default 2 seconds. */
  pollMs?: number;
}

export const DEFAULT_LOCK_LEASE_MS = 60_000;

/** Options checked and normalised: what the command runs with. */
export interface ValidatedPublishOptions {
  projectDir: string;
  tool: BuildTool;
  layerName: string;
  layout: S3Layout;
  description: string | undefined;
  compatibleRuntimes: string[] | undefined;
  compatibleArchitectures: Architecture[] | undefined;
  licenseInfo: string | undefined;
  s3Client: S3Client;
  lambdaClient: LambdaClient;
  logger: Logger;
  force: boolean;
  forceUnlock: boolean;
  signal: AbortSignal | undefined;
  lock: Required<PublishLockSettings>;
}

// LayerName as Lambda's API model states it: a name, or a layer ARN (parseLayerArn).
const LAYER_NAME = /^[a-zA-Z0-9_-]+$/;

function invalid(message: string, hint: string, option: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_OPTION, message, { hint, details: { option } });
}

export function validateLayerName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid('the layer name is missing', 'pass --layer-name NAME or add layer-name = "…" to [tool.lambda-layer]', 'layer-name');
  }
  const name = value.trim();
  if (name.startsWith('arn:')) {
    if (!parseLayerArn(name) || name.length > 140) {
      throw invalid(`invalid layer ARN ${JSON.stringify(name)}`, 'use arn:aws:lambda:REGION:ACCOUNT:layer:NAME or a plain layer name', 'layer-name');
    }
    return name;
  }
  if (name.length > LAMBDA_LIMITS.layerNameMaxLength) {
    throw invalid(
      `the layer name is ${name.length} characters long, more than Lambda's ${LAMBDA_LIMITS.layerNameMaxLength}`,
      'use a shorter --layer-name',
      'layer-name',
    );
  }
  if (!LAYER_NAME.test(name)) {
    throw invalid(`invalid layer name ${JSON.stringify(name)}`, 'use only letters, digits, "-" and "_" in --layer-name', 'layer-name');
  }
  return name;
}

function checkLength(value: string | undefined, max: number, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`--${option} must be text`, `fix --${option}`, option);
  if (value.length > max) {
    throw invalid(`--${option} is ${value.length} characters long, more than Lambda's ${max}`, `shorten --${option} to at most ${max} characters`, option);
  }
  return value === '' ? undefined : value;
}

export function validateRuntimes(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const runtimes = [...new Set(values.map((v) => String(v).trim()))];
  for (const runtime of runtimes) {
    if (!(LAMBDA_RUNTIMES as readonly string[]).includes(runtime)) {
      throw invalid(
        `unknown Lambda runtime ${JSON.stringify(runtime)} in --compatible-runtime`,
        'use runtime identifiers such as python3.12 or python3.13',
        'compatible-runtime',
      );
    }
  }
  if (runtimes.length > LAMBDA_LIMITS.compatibleRuntimesMax) {
    throw invalid(
      `${runtimes.length} compatible runtimes given, more than Lambda's ${LAMBDA_LIMITS.compatibleRuntimesMax}`,
      `list at most ${LAMBDA_LIMITS.compatibleRuntimesMax} --compatible-runtime values`,
      'compatible-runtime',
    );
  }
  return runtimes;
}

export function validateArchitectures(values: readonly string[] | undefined): Architecture[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const architectures = [...new Set(values.map((v) => String(v).trim()))];
  for (const architecture of architectures) {
    if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
      throw invalid(
        `unknown architecture ${JSON.stringify(architecture)} in --compatible-architecture`,
        `use ${ARCHITECTURES.join(' and/or ')}`,
        'compatible-architecture',
      );
    }
  }
  return architectures as Architecture[];
}

/**
 * Checks every option before any AWS call, so a typo costs nothing and
 * leaves nothing behind. Each failure is one line naming the option and the fix.
 */
export function validatePublishOptions(options: PublishLayerVersionOptions): ValidatedPublishOptions {
  if (!options || typeof options !== 'object') throw invalid('publish options are missing', 'pass the options object', 'options');
  if (typeof options.projectDir !== 'string' || options.projectDir === '') {
    throw invalid('projectDir is missing', 'pass the folder holding pyproject.toml (--project-dir)', 'project-dir');
  }
  const tool = parseBuildTool(options.tool);
  const layerName = validateLayerName(options.layerName);
  if (options.s3dir === undefined || options.s3dir === '') {
    throw invalid('the S3 folder is missing', 'pass --s3dir s3://bucket/prefix/ or add s3dir = "…" to [tool.lambda-layer]', 's3dir');
  }
  const layout = s3Layout(typeof options.s3dir === 'string' ? S3Path.parseDir(options.s3dir) : options.s3dir, tool);
  const description = checkLength(options.description, LAMBDA_LIMITS.descriptionMaxLength, 'description');
  const licenseInfo = checkLength(options.licenseInfo, LAMBDA_LIMITS.licenseInfoMaxLength, 'license-info');
  const compatibleRuntimes = validateRuntimes(options.compatibleRuntimes);
  const compatibleArchitectures = validateArchitectures(options.compatibleArchitectures);
  if (!options.s3Client || typeof options.s3Client.send !== 'function') throw invalid('s3Client is missing', 'pass an S3Client', 's3Client');
  if (!options.lambdaClient || typeof options.lambdaClient.send !== 'function') {
    throw invalid('lambdaClient is missing', 'pass a LambdaClient', 'lambdaClient');
  }
  const lock = options.lock ?? {};
  const staleAfterMs = lock.staleAfterMs ?? DEFAULT_LOCK_LEASE_MS;
  return {
    projectDir: options.projectDir,
    tool,
    layerName,
    layout,
    description,
    compatibleRuntimes,
    compatibleArchitectures,
    licenseInfo,
    s3Client: options.s3Client,
    lambdaClient: options.lambdaClient,
    logger: options.logger ?? silentLogger,
    force: options.force === true,
    forceUnlock: options.forceUnlock === true,
    signal: options.signal,
    lock: {
      staleAfterMs,
      heartbeatMs: lock.heartbeatMs ?? Math.max(1, Math.floor(staleAfterMs / 3)),
      waitMs: lock.waitMs ?? 10 * 60_000,
      pollMs: lock.pollMs ?? 2_000,
    },
  };
}
