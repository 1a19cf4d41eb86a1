import type { Architecture, PythonVersion } from './lambda.js';
import type { BuildTool } from './tools.js';

/** What a step did: `unchanged` means it found nothing to do (exit 0). */
export type StepStatus = 'built' | 'packaged' | 'uploaded' | 'published' | 'unchanged';

/** Step 1 result (`layer build --json`). */
export interface BuildResult {
  status: 'built' | 'unchanged';
  tool: BuildTool;
  toolVersion?: string;
  /** Who installed the wheels: the tool's own pinned pip or uv (or the build image's pip with --container). */
  installer?: 'pip' | 'uv';
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
  status: 'uploaded' | 'unchanged';
  s3uri: string;
  consoleUrl: string;
  /** Bytes sent: 0 when unchanged. */
  bytes: number;
  manifestMd5: string;
  /** Base64 SHA-256 of the zip (Lambda's CodeSha256 form). */
  zipSha256: string;
  /** Incomplete multipart uploads of this key, left by earlier (killed) runs, that this run aborted. */
  abortedMultipartUploads?: number;
}

/** Step 4 result (`layer publish --json`): the layer version that holds the manifest. */
export interface LayerDeployment {
  status: 'published' | 'unchanged';
  layerName: string;
  layerVersion: number;
  layerVersionArn: string;
  s3pathManifest: string;
}

export type PublishResult = LayerDeployment;

/** `layer workflow --json`: each step's result, in order. */
export interface WorkflowResult {
  status: 'published' | 'unchanged';
  build?: BuildResult;
  package?: PackageResult;
  upload?: UploadResult;
  publish?: LayerDeployment;
  /** Wall time of each step, in milliseconds. */
  durationsMs?: Partial<Record<'build' | 'package' | 'upload' | 'publish', number>>;
}
