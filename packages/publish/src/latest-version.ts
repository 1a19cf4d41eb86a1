import {
  GetLayerVersionCommand,
  type LambdaClient,
  paginateListLayers,
  paginateListLayerVersions,
} from '@aws-sdk/client-lambda';
import { isNotFound } from './aws-call.js';

/** A published layer version: its number and ARN. */
export interface LatestLayerVersion {
  version: number;
  layerVersionArn: string;
}

/** The short name in a layer ARN (`arn:…:layer:NAME`), or the name itself. */
export function layerShortName(layerName: string): string {
  const match = /:layer:([^:]+)$/.exec(layerName);
  return match?.[1] ?? layerName;
}

/**
 * The highest version number of a layer, from every ListLayerVersions page.
 * Lambda documents neither the order of versions nor that the newest is on
 * the first page, so every page is read and the maximum taken: this is the
 * authoritative answer, used under the publish lock. Cost: one call per 50
 * versions (the API's page size).
 */
export async function findLatestLayerVersion(lambda: LambdaClient, layerName: string): Promise<LatestLayerVersion | undefined> {
  let latest: LatestLayerVersion | undefined;
  try {
    for await (const page of paginateListLayerVersions({ client: lambda }, { LayerName: layerName })) {
      for (const item of page.LayerVersions ?? []) {
        if (item.Version === undefined || !item.LayerVersionArn) continue;
        if (!latest || item.Version > latest.version) latest = { version: item.Version, layerVersionArn: item.LayerVersionArn };
      }
    }
  } catch (error) {
    // A layer that never had a version: nothing published yet.
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return latest;
}

/**
 * The newest version of a layer in one call in the common case: ListLayers
 * documents `LatestMatchingVersion` as "the newest version of the layer", so
 * the latest version is known without reading the layer's versions 50 at a
 * time. Pages over the account's layers only until this layer appears (one
 * call unless the account has more than 50 layers). Used by the read-only
 * preflight, whose "unchanged" answer must be cheap; a "changed" answer is
 * re-checked with `findLatestLayerVersion` under the lock before publishing.
 */
export async function findLatestLayerVersionQuickly(lambda: LambdaClient, layerName: string): Promise<LatestLayerVersion | undefined> {
  const shortName = layerShortName(layerName);
  for await (const page of paginateListLayers({ client: lambda }, {})) {
    for (const layer of page.Layers ?? []) {
      if (layer.LayerName !== shortName && layer.LayerArn !== layerName) continue;
      const newest = layer.LatestMatchingVersion;
      if (newest?.Version === undefined || !newest.LayerVersionArn) return undefined;
      return { version: newest.Version, layerVersionArn: newest.LayerVersionArn };
    }
  }
  return undefined;
}

/** The CodeSha256 (base64 SHA-256 of the zip) of one layer version. */
export async function getLayerVersionCodeSha256(lambda: LambdaClient, layerName: string, version: number): Promise<string | undefined> {
  const response = await lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: version }));
  return response.Content?.CodeSha256;
}
