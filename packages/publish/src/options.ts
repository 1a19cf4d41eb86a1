import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type Architecture,
  ARCHITECTURES,
  type BuildTool,
  ErrorCodes,
  hasRegionPlaceholder,
  LAMBDA_LIMITS,
  LAMBDA_RUNTIMES,
  LayerError,
  type Logger,
  parseAccountIds,
  parseBuildTool,
  parseKeepVersions,
  parseOrganizationIds,
  REGION_PLACEHOLDER,
  type S3Layout,
  s3Layout,
  S3Path,
  silentLogger,
} from '@lambda-layer/core';
import { parseLayerArn } from './layer-arn.js';
import type { LayerSharing } from './layer-sharing.js';

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
  /**
   * Who may use the layer: the published version gets these grants, and an
   * unchanged run reconciles the latest version with them (adds the missing,
   * removes this tool's grants that are no longer listed). Undefined leaves
   * every version's policy alone.
   */
  sharing?: LayerSharing;
  /** After publishing a new version, delete all but the newest N (versions a function uses are kept). */
  keepVersions?: number;
  /** With keepVersions: delete the deleted versions' manifest backups too (kept by default: the audit trail). */
  deleteManifests?: boolean;
}

/** What `planLayerVersion` (a dry run) takes: the publish options, and whether to check the uploaded zip. */
export interface PlanLayerVersionOptions extends PublishLayerVersionOptions {
  /**
   * Check that layer.zip is in S3 and built from this manifest (steps 1.1
   * and 1.2), as a publish would. `layer workflow --dry-run` turns it off:
   * its upload step would put the zip there first.
   */
  checkLayerZip?: boolean;
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
  sharing: LayerSharing | undefined;
  keepVersions: number | undefined;
  deleteManifests: boolean;
  checkLayerZip: boolean;
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
    throw invalid(
      `--${option} is ${value.length} characters long, more than Lambda's ${max}`,
      `shorten --${option} to at most ${max} characters`,
      option,
    );
  }
  return value === '' ? undefined : value;
}

export function validateRuntimes(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a guard for JavaScript callers of the public options
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
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a guard for JavaScript callers of the public options
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
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (!options || typeof options !== 'object') throw invalid('publish options are missing', 'pass the options object', 'options');
  if (typeof options.projectDir !== 'string' || options.projectDir === '') {
    throw invalid('projectDir is missing', 'pass the folder holding pyproject.toml (--project-dir)', 'project-dir');
  }
  const tool = parseBuildTool(options.tool);
  const layerName = validateLayerName(options.layerName);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (options.s3dir === undefined || options.s3dir === '') {
    throw invalid('the S3 folder is missing', 'pass --s3dir s3://bucket/prefix/ or add s3dir = "…" to [tool.lambda-layer]', 's3dir');
  }
  if (typeof options.s3dir === 'string' && hasRegionPlaceholder(options.s3dir)) {
    throw invalid(
      `the s3dir ${options.s3dir} holds ${REGION_PLACEHOLDER}`,
      'pass the s3dir of one region: s3dirForRegion(s3dir, region) from @lambda-layer/core',
      's3dir',
    );
  }
  const layout = s3Layout(typeof options.s3dir === 'string' ? S3Path.parseDir(options.s3dir) : options.s3dir, tool);
  const description = checkLength(options.description, LAMBDA_LIMITS.descriptionMaxLength, 'description');
  const licenseInfo = checkLength(options.licenseInfo, LAMBDA_LIMITS.licenseInfoMaxLength, 'license-info');
  const compatibleRuntimes = validateRuntimes(options.compatibleRuntimes);
  const compatibleArchitectures = validateArchitectures(options.compatibleArchitectures);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (!options.s3Client || typeof options.s3Client.send !== 'function') throw invalid('s3Client is missing', 'pass an S3Client', 's3Client');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (!options.lambdaClient || typeof options.lambdaClient.send !== 'function') {
    throw invalid('lambdaClient is missing', 'pass a LambdaClient', 'lambdaClient');
  }
  const sharing = validateSharing(options.sharing);
  const keepVersions =
    options.keepVersions === undefined ? undefined : checked('keep-versions', () => parseKeepVersions(options.keepVersions as number));
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
    sharing,
    keepVersions,
    deleteManifests: options.deleteManifests === true,
    checkLayerZip: (options as PlanLayerVersionOptions).checkLayerZip !== false,
  };
}

/** A core value parser's error, as an invalid option named by its flag. */
function checked<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof LayerError)) throw error;
    throw invalid(`--${option}: ${error.message}`, error.hint ?? `fix --${option}`, option);
  }
}

/** Account and organization ids checked before any call: a typo must not grant the wrong account. */
export function validateSharing(sharing: LayerSharing | undefined): LayerSharing | undefined {
  if (sharing === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (typeof sharing !== 'object' || sharing === null)
    throw invalid('sharing must be an object', 'pass { accounts, organizations, public }', 'sharing');
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
    accounts: checked('share-with-account', () => parseAccountIds([...(sharing.accounts ?? [])])),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
    organizations: checked('share-with-org', () => parseOrganizationIds([...(sharing.organizations ?? [])])),
    public: sharing.public,
  };
}

/** `pruneLayerVersions`: delete all but the newest versions of a layer, keeping those functions use. */
export interface PruneLayerVersionsOptions {
  /** A layer name or a layer ARN. */
  layerName: string;
  /** The layer's S3 folder: its publish lock and manifest backups are there. */
  s3dir: string | S3Path;
  /** The manifest kind, which names the backups (`layer/000003/uv.lock`). */
  tool: BuildTool;
  /** How many of the newest versions to keep (1 or more). */
  keepVersions: number;
  /** Delete the deleted versions' manifest backups too (kept by default: the audit trail). */
  deleteManifests?: boolean;
  /** Only say what would be deleted. */
  dryRun?: boolean;
  s3Client: S3Client;
  lambdaClient: LambdaClient;
  logger?: Logger;
  signal?: AbortSignal;
  lock?: PublishLockSettings;
}

export interface ValidatedPruneOptions {
  layerName: string;
  layout: S3Layout;
  keepVersions: number;
  deleteManifests: boolean;
  dryRun: boolean;
  s3Client: S3Client;
  lambdaClient: LambdaClient;
  logger: Logger;
  signal: AbortSignal | undefined;
  lock: Required<PublishLockSettings>;
}

/** Checks every prune option before any AWS call. */
export function validatePruneOptions(options: PruneLayerVersionsOptions): ValidatedPruneOptions {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (!options || typeof options !== 'object') throw invalid('prune options are missing', 'pass the options object', 'options');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a guard for JavaScript callers of the public options
  if (options.keepVersions === undefined) {
    throw invalid(
      'keep-versions is missing',
      'pass --keep-versions N (how many of the newest versions to keep) or add keep-versions = N to [tool.lambda-layer]',
      'keep-versions',
    );
  }
  const keepVersions = checked('keep-versions', () => parseKeepVersions(options.keepVersions));
  // The publish checks cover the name, the s3dir, the tool, the clients and the lock settings.
  const common = validatePublishOptions({ ...options, projectDir: '.' });
  return {
    layerName: common.layerName,
    layout: common.layout,
    keepVersions,
    deleteManifests: options.deleteManifests === true,
    dryRun: options.dryRun === true,
    s3Client: common.s3Client,
    lambdaClient: common.lambdaClient,
    logger: common.logger,
    signal: common.signal,
    lock: common.lock,
  };
}
