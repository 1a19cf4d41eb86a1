/**
 * Retention: delete every layer version older than the newest N, except the
 * ones a function of this account and region still uses, which are kept and
 * named with those functions. The manifest backups in S3 stay (the audit
 * trail) unless asked to go too.
 *
 * AWS calls made here (operation → IAM action → resource; `layer iam-policy`
 * prints them from the `retention` rows of the CLI's policy table):
 *   ListLayerVersions  → lambda:ListLayerVersions  → * (granted on *, like ListLayers)
 *   ListFunctions      → lambda:ListFunctions      → * (no resource-level permission)
 *   DeleteLayerVersion → lambda:DeleteLayerVersion → arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
 *   DeleteObject       → s3:DeleteObject           → arn:aws:s3:::BUCKET/PREFIX/layer/VERSION/MANIFEST (only with deleteManifests)
 */
import { DeleteLayerVersionCommand, type LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  interruptedError,
  isNotFound,
  LayerError,
  type LayerVersionInUse,
  type Logger,
  type RetentionResult,
  type S3Layout,
  type S3Path,
  toLayerErrorFromAws,
} from '@lambda-layer/core';
import { awsCall } from './aws-call.js';
import { type LatestLayerVersion, listLayerVersions } from './latest-version.js';
import { deleteManifest } from './stored-manifest.js';

/**
 * Which functions use which layer versions: every function of the account
 * in the client's region, every published version of each (FunctionVersion
 * ALL, since a published function version keeps the layer versions it was
 * published with), from every ListFunctions page. Keyed by layer version ARN;
 * the functions are named `name` ($LATEST) or `name:3` (version 3).
 */
export async function findLayerVersionUsers(lambda: LambdaClient, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for await (const page of paginateListFunctions({ client: lambda }, { FunctionVersion: 'ALL' }, { abortSignal: signal })) {
    for (const fn of page.Functions ?? []) {
      const name = fn.Version && fn.Version !== '$LATEST' ? `${fn.FunctionName}:${fn.Version}` : String(fn.FunctionName);
      for (const layer of fn.Layers ?? []) {
        if (!layer.Arn) continue;
        users.set(layer.Arn, [...(users.get(layer.Arn) ?? []), name]);
      }
    }
  }
  return users;
}

export interface RetentionPlan {
  kept: number[];
  inUse: LayerVersionInUse[];
  deletable: LatestLayerVersion[];
}

/**
 * The newest `keep` versions stay; of the older ones, those a function uses
 * stay too. `upcoming` counts a version about to be published (a dry run) as
 * the newest.
 */
export function planRetention(
  versions: readonly LatestLayerVersion[],
  keep: number,
  users: ReadonlyMap<string, string[]>,
  upcoming?: number,
): RetentionPlan {
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  const room = upcoming === undefined ? keep : keep - 1;
  const kept = [...(upcoming === undefined ? [] : [upcoming]), ...newestFirst.slice(0, Math.max(0, room)).map((v) => v.version)];
  const older = newestFirst.slice(Math.max(0, room));
  const inUse: LayerVersionInUse[] = [];
  const deletable: LatestLayerVersion[] = [];
  for (const version of older.reverse()) {
    const functions = users.get(version.layerVersionArn);
    if (functions?.length) inUse.push({ layerVersion: version.version, functions: [...new Set(functions)].sort() });
    else deletable.push(version);
  }
  return { kept, inUse, deletable };
}

export interface RetentionOptions {
  lambda: LambdaClient;
  s3: S3Client;
  layerName: string;
  layout: S3Layout;
  keepVersions: number;
  deleteManifests: boolean;
  /** Only say what would be deleted. */
  dryRun: boolean;
  /** A dry run of a publish: the version it would make counts as the newest. */
  upcoming?: number | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/**
 * Deletes the versions older than the newest `keepVersions` that no function
 * uses (and, with `deleteManifests`, their manifest backups), oldest first.
 * Nothing is deleted unless every function was listed: a version whose users
 * cannot be known is never deleted. DeleteLayerVersion of a version already
 * gone succeeds (a retry after a lost answer). Interrupted, it stops between
 * two deletions and says which were deleted.
 */
export async function applyRetention(options: RetentionOptions): Promise<RetentionResult> {
  const { lambda, layerName, logger, signal, keepVersions } = options;
  const versions = await awsCall(`list the versions of layer ${layerName}`, () => listLayerVersions(lambda, layerName, signal), {
    service: 'Lambda',
  });
  const older = versions.length - (options.upcoming === undefined ? keepVersions : keepVersions - 1);
  // ListFunctions pages over the whole account: only asked when some version is old enough to go.
  const users =
    older > 0
      ? await awsCall('list the functions of the account (to keep the layer versions they use)', () => findLayerVersionUsers(lambda, signal), {
          service: 'Lambda',
        })
      : new Map<string, string[]>();
  const plan = planRetention(versions, keepVersions, users, options.upcoming);
  const result: RetentionResult = { keepVersions, kept: plan.kept, inUse: plan.inUse, deleted: [], deletedManifests: [] };
  const would = options.dryRun ? 'would ' : '';
  logger.detail(`keeping the newest ${keepVersions}: version${plan.kept.length === 1 ? '' : 's'} ${plan.kept.join(', ') || '-'}`);
  for (const used of plan.inUse) logger.detail(`keeping version ${used.layerVersion}: used by ${used.functions.join(', ')}`);
  // Interrupted, it stops between two requests and says how far it got.
  const stopped = () =>
    interruptedError(
      signal,
      `${result.deleted.length ? `deleted version(s) ${result.deleted.join(', ')} of ${layerName}` : `no version of ${layerName} was deleted`}; ${plan.deletable.length - result.deleted.length} old version(s) left`,
      `run \`layer prune --keep-versions ${keepVersions}\` again`,
    );
  for (const version of plan.deletable) {
    if (signal?.aborted) throw stopped();
    const manifest = options.layout.manifestForVersion(version.version);
    try {
      if (!options.dryRun) {
        await awsCall(
          `delete version ${version.version} of layer ${layerName}`,
          () => deleteLayerVersion(lambda, layerName, version.version, signal),
          { service: 'Lambda' },
        );
      }
      result.deleted.push(version.version);
      // After the version: a kill in between leaves a backup without a version, never the reverse.
      if (options.deleteManifests && !options.dryRun) await deleteManifestOfDeletedVersion(options, version.version, manifest);
    } catch (error) {
      if (signal?.aborted) throw stopped();
      throw error;
    }
    if (options.deleteManifests) {
      result.deletedManifests.push(manifest.uri);
      logger.detail(`${would}delete version ${version.version} and its manifest ${manifest.uri}`);
    } else {
      logger.detail(`${would}delete version ${version.version} (its manifest backup ${manifest.uri} stays)`);
    }
  }
  if (!plan.deletable.length) logger.detail('no version to delete');
  return result;
}

/**
 * The backup of a version just deleted. A failure here is said as it is: the
 * version is gone, so no later retention run lists it again and its backup
 * stays until removed by hand.
 */
async function deleteManifestOfDeletedVersion(options: RetentionOptions, version: number, manifest: S3Path): Promise<void> {
  try {
    await deleteManifest(options.s3, manifest, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const mapped = toLayerErrorFromAws(error, `delete ${manifest.uri}`, { service: 'S3' });
    throw new LayerError(mapped.code, `${mapped.message}; version ${version} of ${options.layerName} is deleted, its manifest backup stays`, {
      hint: `${mapped.hint ? `${mapped.hint}; ` : ''}remove the backup with \`aws s3 rm ${manifest.uri}\` (retention no longer lists version ${version})`,
      cause: error,
      details: { ...mapped.details, layerVersion: version, s3uri: manifest.uri },
    });
  }
}

async function deleteLayerVersion(lambda: LambdaClient, layerName: string, version: number, signal?: AbortSignal): Promise<void> {
  try {
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: version }), { abortSignal: signal });
  } catch (error) {
    // Already gone: what deleting it means.
    if (!isNotFound(error)) throw error;
  }
}
