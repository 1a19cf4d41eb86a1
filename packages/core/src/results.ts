import type { Architecture, PythonVersion } from './lambda.js';
import type { PackageChange } from './manifest-packages.js';
import type { BuildTool, Installer } from './tools.js';

/** What a step did: `unchanged` means it found nothing to do (exit 0). */
export type StepStatus = 'built' | 'packaged' | 'uploaded' | 'published' | 'unchanged';

/** Step 1 result (`layer build --json`). */
export interface BuildResult {
  status: 'built' | 'unchanged';
  tool: BuildTool;
  toolVersion?: string;
  /** Who installed the wheels: the tool's own pinned pip or uv (or the build image's pip with --container). */
  installer?: Installer;
  installerVersion?: string;
  pythonVersion: PythonVersion;
  architecture: Architecture;
  container: boolean;
  pythonDir: string;
  /** `name==version`, sorted by name. */
  packages: string[];
  bytes: number;
  files: number;
}

export interface ExcludedEntry {
  /** The rule or package name that excluded it. */
  name: string;
  files: number;
  bytes: number;
}

/** Step 2 result (`layer package --json`). */
export interface PackageResult {
  status: 'packaged' | 'unchanged';
  zipPath: string;
  zippedBytes: number;
  unzippedBytes: number;
  files: number;
  sha256: { hex: string; base64: string };
  excluded: ExcludedEntry[];
}

/** Step 3 result (`layer upload --json`). */
export interface UploadResult {
  status: 'uploaded' | 'unchanged' | 'would-upload';
  /** `layer upload --dry-run`: nothing was sent. */
  dryRun?: true;
  s3uri: string;
  consoleUrl: string;
  /** Bytes sent: 0 when unchanged (in a dry run: the bytes that would be sent). */
  bytes: number;
  manifestMd5: string;
  /** Base64 SHA-256 of the zip (Lambda's CodeSha256 form). */
  zipSha256: string;
  /** Incomplete multipart uploads of this key, left by earlier (killed) runs, that this run aborted. */
  abortedMultipartUploads?: number;
}

/** A grant of `lambda:GetLayerVersion` that this tool owns, by its statement id (`lambda-layer-…`). */
export interface LayerGrant {
  kind: 'account' | 'organization' | 'public';
  /** The account id, the organization id (`o-…`), or `*` for the public. */
  principal: string;
  statementId: string;
}

/** Who may use a layer version, as this run left it (or, in a dry run, would leave it). */
export interface SharingResult {
  layerVersion: number;
  /** Every grant of this tool on the version afterwards: the configured ones. */
  grants: LayerGrant[];
  /** Grants added by this run. */
  added: LayerGrant[];
  /** Grants of this tool that are no longer configured, removed by this run. */
  removed: LayerGrant[];
  /** Statement ids of grants someone else made: left alone. */
  otherStatements: string[];
}

/** An old layer version that a function still uses: kept, with the functions named. */
export interface LayerVersionInUse {
  layerVersion: number;
  /** `name` for a function's $LATEST, `name:3` for its published version 3. */
  functions: string[];
}

/** What retention (`--keep-versions N`, `layer prune`) did, or in a dry run would do. */
export interface RetentionResult {
  keepVersions: number;
  /** The newest N versions. */
  kept: number[];
  /** Older versions a function still uses: kept. */
  inUse: LayerVersionInUse[];
  /** Versions deleted (in a dry run: that would be deleted). */
  deleted: number[];
  /** Manifest backups deleted with `--delete-manifests` (in a dry run: that would be). */
  deletedManifests: string[];
}

/** Step 4 result (`layer publish --json`): the layer version that holds the manifest. */
export interface LayerDeployment {
  status: 'published' | 'unchanged';
  layerName: string;
  layerVersion: number;
  layerVersionArn: string;
  s3pathManifest: string;
  /** The region published in, when known (always with several regions). */
  region?: string;
  /** What this version changed against the previous version's manifest, package by package. */
  changes?: PackageChange[];
  /** Why it was published or not, in a few words: "requirements.txt changed", "first version", "unchanged". */
  reason?: string;
  /** Who may use the version (only when sharing is configured). */
  sharing?: SharingResult;
  /** Old versions deleted after publishing (with `keepVersions`). */
  retention?: RetentionResult;
}

/** `layer publish --dry-run --json`: what a publish would do, and why; nothing was written. */
export interface PublishPlan {
  status: 'would-publish' | 'unchanged';
  dryRun: true;
  layerName: string;
  /** The version a publish would make (the latest + 1), or the latest when unchanged. */
  layerVersion: number;
  /** The latest version's ARN when unchanged (a version that would be published has none yet). */
  layerVersionArn?: string;
  /** The latest published version, if any. */
  latestVersion?: number;
  s3pathManifest: string;
  region?: string;
  changes?: PackageChange[];
  reason: string;
  sharing?: SharingResult;
  retention?: RetentionResult;
}

/** `layer prune --json`: the old versions deleted (or, with --dry-run, that would be). */
export interface PruneResult extends RetentionResult {
  status: 'pruned' | 'unchanged' | 'would-prune';
  dryRun?: true;
  layerName: string;
  region?: string;
  /** The newest version, if the layer has any. */
  latestVersion?: number;
}

/** A region where a multi-region run failed: the others are not undone. */
export interface RegionFailure {
  region: string;
  status: 'error' | 'interrupted';
  error: { code: string; message: string; hint?: string };
}

/** One region's result (with its region named), or its failure. */
export type RegionOutcome<T> = (T & { region: string }) | RegionFailure;

/** The result of a command run in several regions: one entry per region, in the configured order. */
export interface MultiRegionResult<T> {
  status: string;
  regions: Array<RegionOutcome<T>>;
  /** The regions to run again (absent when every region succeeded). */
  failedRegions?: string[];
}

/** One region of a multi-region workflow: its upload and publish. */
export interface WorkflowRegionResult {
  region: string;
  status: string;
  upload?: UploadResult;
  publish?: LayerDeployment | PublishPlan;
  error?: RegionFailure['error'];
}

/** `layer workflow --json`: each step's result, in order. */
export interface WorkflowResult {
  status: 'published' | 'unchanged' | 'would-publish';
  /** `layer workflow --dry-run`: nothing was built, uploaded or published. */
  dryRun?: true;
  build?: BuildResult;
  package?: PackageResult;
  upload?: UploadResult;
  publish?: LayerDeployment | PublishPlan;
  /** With several regions: upload and publish per region (instead of `upload` and `publish`). */
  regions?: WorkflowRegionResult[];
  failedRegions?: string[];
  /** Wall time of each step, in milliseconds. */
  durationsMs?: Partial<Record<'build' | 'package' | 'upload' | 'publish', number>>;
}
