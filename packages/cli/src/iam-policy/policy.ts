import type { S3Path } from '@lambda-layer/core';
import { type PolicyFeature, type PolicyResource, type PolicyRow, policyRows } from './policy-table.js';

/** One place the pipeline writes to: a region and the s3dir used there. */
export interface PolicyTarget {
  region: string;
  s3dir: S3Path;
}

export interface PolicyInput {
  /** The account of the layers and the KMS key; undefined: "*" (any account), with a note. */
  account: string | undefined;
  targets: readonly PolicyTarget[];
  /** The layer's name (a layer ARN is reduced to its name by the caller). */
  layerName: string;
  /** The manifest file backed up per version: requirements.txt, poetry.lock or uv.lock. */
  manifestFile: string;
  features: readonly PolicyFeature[];
  /** The SSE-KMS key (id, ARN, alias/NAME or alias ARN), for the `sse-kms` feature. */
  kmsKeyId?: string | undefined;
}

export type PolicyCondition = Record<string, Record<string, string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

/** An IAM policy document, as `aws iam create-policy --policy-document` takes it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The partition of a region: aws, aws-cn (cn-*), aws-us-gov (us-gov-*). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function dnsSuffixOf(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Statement names, in the order the policy lists them. */
const SIDS: Record<PolicyResource, string> = {
  'layer-zip': 'LayerZip',
  'manifest-backups': 'ManifestBackups',
  'publish-lock': 'PublishLock',
  'layer-folder': 'ListLayerFolder',
  bucket: 'MultipartUploads',
  layer: 'PublishLayerVersion',
  // Read, and with sharing and retention also granted and deleted: every version of the layer.
  'layer-versions': 'LayerVersions',
  // The Lambda calls that take no resource.
  any: 'LambdaLists',
  'kms-key': 'KmsKey',
};

interface Grant {
  resources: string[];
  condition?: PolicyCondition;
  /** Distinguishes statements of one kind that need different conditions (one per bucket). */
  suffix?: string;
}

/** The KMS key's resource and condition in one region: a key by ARN or id, an alias through kms:ResourceAliases. */
function kmsGrant(keyId: string, region: string, partition: string, account: string): { resource: string; alias?: string } {
  const aliasArn = /^arn:[^:]+:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(keyId);
  if (aliasArn) return { resource: `arn:${partition}:kms:${region}:${account}:key/*`, alias: aliasArn[1] };
  if (keyId.startsWith('arn:')) return { resource: keyId };
  if (keyId.startsWith('alias/')) return { resource: `arn:${partition}:kms:${region}:${account}:key/*`, alias: keyId };
  return { resource: `arn:${partition}:kms:${region}:${account}:key/${keyId}` };
}

function grantsFor(resource: PolicyResource, input: PolicyInput, account: string): Grant[] {
  const s3 = (target: PolicyTarget, key = '') => `arn:${partitionOf(target.region)}:s3:::${target.s3dir.bucket}${key ? `/${key}` : ''}`;
  const layerDir = (target: PolicyTarget) => `${target.s3dir.key}layer/`;
  const lambda = (target: PolicyTarget, suffix = '') =>
    `arn:${partitionOf(target.region)}:lambda:${target.region}:${account}:layer:${input.layerName}${suffix}`;
  const all = (make: (target: PolicyTarget) => string): Grant[] => [{ resources: input.targets.map(make) }];
  switch (resource) {
    case 'layer-zip':
      return all((target) => s3(target, `${layerDir(target)}layer.zip`));
    case 'manifest-backups':
      // {s3dir}layer/000003/uv.lock: six digits, then the manifest.
      return all((target) => s3(target, `${layerDir(target)}??????/${input.manifestFile}`));
    case 'publish-lock':
      return all((target) => s3(target, `${layerDir(target)}.publish.lock`));
    case 'bucket':
      return all((target) => s3(target));
    case 'layer-folder': {
      // One statement per bucket: its own prefixes only.
      const byBucket = new Map<string, { resource: string; prefixes: string[] }>();
      for (const target of input.targets) {
        const entry = byBucket.get(target.s3dir.bucket) ?? { resource: s3(target), prefixes: [] };
        entry.prefixes.push(layerDir(target), `${layerDir(target)}*`);
        byBucket.set(target.s3dir.bucket, entry);
      }
      return [...byBucket.values()].map((entry, index) => ({
        resources: [entry.resource],
        condition: { StringLike: { 's3:prefix': entry.prefixes } },
        ...(byBucket.size > 1 ? { suffix: String(index + 1) } : {}),
      }));
    }
    case 'layer':
      return all((target) => lambda(target));
    case 'layer-versions':
      return all((target) => lambda(target, ':*'));
    case 'any':
      return [{ resources: ['*'] }];
    case 'kms-key': {
      if (!input.kmsKeyId) return [];
      const keys = input.targets.map((target) => kmsGrant(input.kmsKeyId as string, target.region, partitionOf(target.region), account));
      const aliases = [...new Set(keys.flatMap((key) => (key.alias ? [key.alias] : [])))];
      const viaS3 = input.targets.map((target) => `s3.${target.region}.${dnsSuffixOf(partitionOf(target.region))}`);
      return [
        {
          resources: keys.map((key) => key.resource),
          condition: {
            // Only through S3, for this run's objects: the key cannot be used directly with these rights.
            StringEquals: { 'kms:ViaService': viaS3 },
            ...(aliases.length ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliases } } : {}),
          },
        },
      ];
    }
  }
}

const unique = (values: readonly string[]) => [...new Set(values)];

/**
 * The least-privilege policy of a run: for each resource kind the enabled
 * features use, one statement with exactly the actions their rows list, on
 * exactly the bucket, keys, layer ARNs (every region) and KMS key of this
 * configuration. `Resource: "*"` appears only for the Lambda calls that take
 * no resource (ListLayers, ListLayerVersions, ListFunctions).
 */
export function iamPolicy(input: PolicyInput): PolicyDocument {
  const account = input.account ?? '*';
  const rows = policyRows(input.features);
  const byResource = new Map<PolicyResource, PolicyRow[]>();
  for (const entry of rows) byResource.set(entry.resource, [...(byResource.get(entry.resource) ?? []), entry]);
  const statements: PolicyStatement[] = [];
  for (const resource of Object.keys(SIDS) as PolicyResource[]) {
    const entries = byResource.get(resource);
    if (!entries) continue;
    const actions = unique(entries.map((entry) => entry.action)).sort();
    for (const grant of grantsFor(resource, input, account)) {
      statements.push({
        Sid: `${SIDS[resource]}${grant.suffix ?? ''}`,
        Effect: 'Allow',
        Action: actions,
        Resource: unique(grant.resources),
        ...(grant.condition ? { Condition: grant.condition } : {}),
      });
    }
  }
  return { Version: '2012-10-17', Statement: statements };
}
