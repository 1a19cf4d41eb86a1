import { GetLayerVersionCommand, type LambdaClient, paginateListLayers, paginateListLayerVersions } from '@aws-sdk/client-lambda';
import { isNotFound } from '@lambda-layer/core';
import { parseLayerArn } from './layer-arn.js';

/** A published layer version: its number and ARN. */
export interface LatestLayerVersion {
  version: number;
  layerVersionArn: string;
}

/** The short name in a layer ARN (`arn:…:layer:NAME`), or the name itself. */
export function layerShortName(layerName: string): string {
  return parseLayerArn(layerName)?.name ?? layerName;
}

/**
 * Every version of a layer, from every ListLayerVersions page (an empty list
 * when the layer never had a version). Lambda documents neither the order of
 * versions nor that the newest is on the first page, so all pages are read.
 * Cost: one call per 50 versions (the API's page size).
 */
export async function listLayerVersions(lambda: LambdaClient, layerName: string, signal?: AbortSignal): Promise<LatestLayerVersion[]> {
  const versions: LatestLayerVersion[] = [];
  try {
    for await (const page of paginateListLayerVersions({ client: lambda }, { LayerName: layerName }, { abortSignal: signal })) {
      for (const item of page.LayerVersions ?? []) {
        if (item.Version !== undefined && item.LayerVersionArn) versions.push({ version: item.Version, layerVersionArn: item.LayerVersionArn });
      }
    }
  } catch (error) {
    // A layer that never had a version: nothing published yet.
    if (isNotFound(error)) return [];
    throw error;
  }
  return versions;
}

/** The highest version of a list, whatever its order. */
export function highestVersion(versions: readonly LatestLayerVersion[]): LatestLayerVersion | undefined {
  return versions.reduce<LatestLayerVersion | undefined>((latest, item) => (!latest || item.version > latest.version ? item : latest), undefined);
}

/**
 * The highest version number of a layer, from every ListLayerVersions page:
 * the authoritative answer, used under the publish lock.
 */
export async function findLatestLayerVersion(lambda: LambdaClient, layerName: string, signal?: AbortSignal): Promise<LatestLayerVersion | undefined> {
  return highestVersion(await listLayerVersions(lambda, layerName, signal));
}

export interface QuickLookupOptions {
  signal?: AbortSignal | undefined;
  /** Called with the account id in the first layer ARN ListLayers shows (the caller's account). */
  onAccount?: (accountId: string) => void;
}

/**
 * The newest version of a layer in one call in the common case: ListLayers
 * documents `LatestMatchingVersion` as "the newest version of the layer", so
 * the latest version is known without reading the layer's versions 50 at a
 * time. Pages over the account's layers only until this layer appears (one
 * call unless the account has more than 50 layers). Used by the read-only
 * preflight, whose "unchanged" answer must be cheap; a "changed" answer is
 * re-checked with `findLatestLayerVersion` under the lock before publishing.
 * A layer ARN matches only by ARN, never by its short name.
 */
export async function findLatestLayerVersionQuickly(
  lambda: LambdaClient,
  layerName: string,
  options: QuickLookupOptions = {},
): Promise<LatestLayerVersion | undefined> {
  const isArn = parseLayerArn(layerName) !== undefined;
  let accountSeen = false;
  for await (const page of paginateListLayers({ client: lambda }, {}, { abortSignal: options.signal })) {
    for (const layer of page.Layers ?? []) {
      const account = layer.LayerArn ? parseLayerArn(layer.LayerArn)?.account : undefined;
      if (!accountSeen && account) {
        accountSeen = true;
        options.onAccount?.(account);
      }
      if (isArn ? layer.LayerArn !== layerName : layer.LayerName !== layerName) continue;
      const newest = layer.LatestMatchingVersion;
      if (newest?.Version === undefined || !newest.LayerVersionArn) return undefined;
      return { version: newest.Version, layerVersionArn: newest.LayerVersionArn };
    }
  }
  return undefined;
}

/** The CodeSha256 (base64 SHA-256 of the zip) of one layer version. */
export async function getLayerVersionCodeSha256(
  lambda: LambdaClient,
  layerName: string,
  version: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const response = await lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: version }), { abortSignal: signal });
  return response.Content?.CodeSha256;
}
