/**
 * The one table `layer iam-policy` is made from: every AWS call the steps make
 * (operation, as the SDK and the fault proxy's log name it), the IAM action it
 * needs and on which resource, grouped by the feature that makes it. The
 * policy-coverage test records every call of real runs and checks each one
 * against the policy printed from this table, so a call added without its row
 * fails the suite instead of a production run.
 *
 * A feature that makes new calls adds its rows here and its name to
 * `PolicyFeature`; `iamPolicy()` needs no change. Several regions add no
 * call: each region's bucket and layer ARN are resources of the same rows.
 */

/** What a run does, each with its own calls: the steps, and settings that add permissions. */
export type PolicyFeature =
  /** `layer upload`: layer.zip into S3. */
  | 'upload'
  /** `layer publish`: a layer version from the zip, the manifest backups (also read for the package diff), the publish lock. */
  | 'publish'
  /** `--share-with-account`, `--share-with-org`, `--public`: the version's grants, read and reconciled. */
  | 'sharing'
  /** `--keep-versions N` after a publish, and `layer prune` (under the publish lock): old versions deleted, functions listed. */
  | 'retention'
  /** `--delete-manifests` with retention: the manifest backups of deleted versions go too. */
  | 'delete-manifests'
  /** `--sse aws:kms --sse-kms-key-id KEY`: S3 uses the key for every object written and read. */
  | 'sse-kms';

/** Every feature, in the order `layer iam-policy` lists them. */
export const POLICY_FEATURES: readonly PolicyFeature[] = ['upload', 'publish', 'sharing', 'retention', 'delete-manifests', 'sse-kms'];

/**
 * What a permission is granted on. Object kinds name exact keys under the
 * s3dir's `layer/` folder; `layer-folder` is the bucket, for listing only
 * under that folder (an s3:prefix condition); `layer-versions` is every
 * version of the layer (`layer:NAME:*`); `any` is "*", used only where the
 * Lambda API accepts no resource (ListLayers, ListLayerVersions, ListFunctions).
 */
export type PolicyResource =
  'bucket' | 'layer-folder' | 'layer-zip' | 'manifest-backups' | 'publish-lock' | 'layer' | 'layer-versions' | 'kms-key' | 'any';

export interface PolicyRow {
  feature: PolicyFeature;
  /** The API operation, e.g. PutObject, PublishLayerVersion. */
  operation: string;
  action: string;
  resource: PolicyResource;
  /**
   * Who needs the permission: `call`, the request itself; `service`, AWS
   * acting for the caller (Lambda reads the zip from S3 with the caller's
   * rights, S3 uses the KMS key); `answer`, not needed to succeed but to get
   * the right answer (without s3:ListBucket a HEAD of a missing key is 403, not 404).
   */
  by: 'call' | 'service' | 'answer';
}

const row = (feature: PolicyFeature, operation: string, action: string, resource: PolicyResource, by: PolicyRow['by'] = 'call'): PolicyRow => ({
  feature,
  operation,
  action,
  resource,
  by,
});

/** The publish lock (publish, and `layer prune`): written, read when another run holds it, removed. */
const publishLockRows = (feature: PolicyFeature): PolicyRow[] => [
  row(feature, 'PutObject', 's3:PutObject', 'publish-lock'),
  row(feature, 'GetObject', 's3:GetObject', 'publish-lock'),
  row(feature, 'DeleteObject', 's3:DeleteObject', 'publish-lock'),
];

export const POLICY_TABLE: readonly PolicyRow[] = [
  // upload: compare (2.2), abort what killed runs left (2.3), put (2.4; one PutObject or a multipart upload)
  row('upload', 'HeadObject', 's3:GetObject', 'layer-zip'),
  row('upload', 'HeadObject', 's3:ListBucket', 'layer-folder', 'answer'),
  row('upload', 'ListMultipartUploads', 's3:ListBucketMultipartUploads', 'bucket'),
  row('upload', 'AbortMultipartUpload', 's3:AbortMultipartUpload', 'layer-zip'),
  row('upload', 'PutObject', 's3:PutObject', 'layer-zip'),
  row('upload', 'CreateMultipartUpload', 's3:PutObject', 'layer-zip'),
  row('upload', 'UploadPart', 's3:PutObject', 'layer-zip'),
  row('upload', 'CompleteMultipartUpload', 's3:PutObject', 'layer-zip'),

  // publish: preflight (1.1-1.3), then under the lock: re-check, publish (2.1), back the manifest up (2.2)
  row('publish', 'HeadObject', 's3:GetObject', 'layer-zip'),
  row('publish', 'GetObject', 's3:GetObject', 'layer-zip'),
  row('publish', 'ListObjectsV2', 's3:ListBucket', 'layer-folder'),
  row('publish', 'HeadObject', 's3:ListBucket', 'layer-folder', 'answer'),
  row('publish', 'ListLayers', 'lambda:ListLayers', 'any'),
  row('publish', 'ListLayerVersions', 'lambda:ListLayerVersions', 'any'),
  row('publish', 'GetLayerVersion', 'lambda:GetLayerVersion', 'layer-versions'),
  row('publish', 'PublishLayerVersion', 'lambda:PublishLayerVersion', 'layer'),
  row('publish', 'PublishLayerVersion', 's3:GetObject', 'layer-zip', 'service'),
  row('publish', 'HeadObject', 's3:GetObject', 'manifest-backups'),
  row('publish', 'GetObject', 's3:GetObject', 'manifest-backups'),
  row('publish', 'PutObject', 's3:PutObject', 'manifest-backups'),
  ...publishLockRows('publish'),

  // the package diff reads the manifest stored for the latest version: the GetObject of manifest-backups above;
  // a version without one answers 404 (not 403) only with s3:ListBucket
  row('publish', 'GetObject', 's3:ListBucket', 'layer-folder', 'answer'),

  // sharing (2.3): read the version's policy, add the configured grants, remove ours no longer configured
  row('sharing', 'GetLayerVersionPolicy', 'lambda:GetLayerVersionPolicy', 'layer-versions'),
  row('sharing', 'AddLayerVersionPermission', 'lambda:AddLayerVersionPermission', 'layer-versions'),
  row('sharing', 'RemoveLayerVersionPermission', 'lambda:RemoveLayerVersionPermission', 'layer-versions'),

  // retention (2.4, `layer prune`): list the versions and every function's layers, delete the old unused versions;
  // `layer prune` takes the publish lock so that no publish of the same s3dir runs meanwhile
  row('retention', 'ListLayerVersions', 'lambda:ListLayerVersions', 'any'),
  row('retention', 'ListFunctions', 'lambda:ListFunctions', 'any'),
  row('retention', 'DeleteLayerVersion', 'lambda:DeleteLayerVersion', 'layer-versions'),
  ...publishLockRows('retention'),
  row('retention', 'GetObject', 's3:ListBucket', 'layer-folder', 'answer'),

  // --delete-manifests: the manifest backup of each deleted version
  row('delete-manifests', 'DeleteObject', 's3:DeleteObject', 'manifest-backups'),

  // SSE-KMS with a customer managed key: S3 asks KMS for each object written and read
  ...['PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'].flatMap((operation) => [
    row('sse-kms', operation, 'kms:GenerateDataKey', 'kms-key', 'service'),
    // A multipart upload's parts are decrypted to complete it.
    row('sse-kms', operation, 'kms:Decrypt', 'kms-key', 'service'),
  ]),
  row('sse-kms', 'GetObject', 'kms:Decrypt', 'kms-key', 'service'),
  // Lambda reads the encrypted zip with the caller's rights.
  row('sse-kms', 'PublishLayerVersion', 'kms:Decrypt', 'kms-key', 'service'),
];

/** The rows of these features. */
export function policyRows(features: readonly PolicyFeature[]): PolicyRow[] {
  return POLICY_TABLE.filter((entry) => features.includes(entry.feature));
}
