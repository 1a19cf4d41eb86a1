import { ErrorCodes, LayerError } from './errors.js';

/** Lambda facts the code relies on (see the Lambda quotas and runtime pages). */
export const LAMBDA_LIMITS = {
  /** A function and all its layers, unzipped: Lambda's "250 MB", which is 250 MiB. */
  unzippedBytes: 262_144_000,
  /** Direct (non-S3) upload limit of a zip: Lambda's "50 MB", 50 MiB. */
  directUploadZipBytes: 52_428_800,
  layersPerFunction: 5,
  layerNameMaxLength: 140,
  descriptionMaxLength: 256,
  licenseInfoMaxLength: 512,
  compatibleRuntimesMax: 15,
  compatibleArchitecturesMax: 2,
  listLayerVersionsMaxItems: 50,
} as const;

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Python versions a layer can target: the Python runtimes Lambda offers (build's lambda-runtimes.ts has each one's operating system). */
export const PYTHON_VERSIONS = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/** Every runtime identifier Lambda accepts in CompatibleRuntimes. */
export const LAMBDA_RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'nodejs4.3-edge',
  'java8',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'java25',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'dotnet8',
  'dotnet10',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'provided',
  'provided.al2',
  'provided.al2023',
] as const;

export interface PythonTarget {
  pythonVersion: PythonVersion;
  architecture: Architecture;
}

/** Python runtimes Lambda no longer lets anyone create functions with, and when that stopped. */
const RETIRED_PYTHON_RUNTIMES: Readonly<Record<string, string>> = {
  '3.8': 'deprecated on 2024-10-14',
  '3.7': 'deprecated on 2023-12-04',
  '3.6': 'deprecated on 2022-07-18',
};

/**
 * The original tool's default ignore list for layer.zip: packages the Lambda
 * Python runtime already provides (the AWS SDK) or that only build and test.
 * `layer package` leaves them out unless the project pins one itself.
 */
export const DEFAULT_IGNORED_PACKAGES = [
  'boto3',
  'botocore',
  's3transfer',
  'urllib3',
  'setuptools',
  'pip',
  'wheel',
  'twine',
  '_pytest',
  'pytest',
] as const;

export function parsePythonVersion(value: unknown): PythonVersion {
  const text = String(value)
    .trim()
    .replace(/^python/, '');
  if ((PYTHON_VERSIONS as readonly string[]).includes(text)) return text as PythonVersion;
  const retired = RETIRED_PYTHON_RUNTIMES[text];
  throw new LayerError(
    ErrorCodes.INVALID_OPTION,
    retired ? `python${text} is no longer a Lambda runtime (${retired})` : `unsupported Python version ${JSON.stringify(value)}`,
    { hint: `use one of ${PYTHON_VERSIONS.join(', ')} (--python-version)` },
  );
}

export function parseArchitecture(value: unknown): Architecture {
  const text = String(value).trim();
  if (text === 'x86_64' || text === 'amd64') return 'x86_64';
  if (text === 'arm64' || text === 'aarch64') return 'arm64';
  throw new LayerError(ErrorCodes.INVALID_OPTION, `unsupported architecture ${JSON.stringify(value)}`, {
    hint: 'use x86_64 or arm64 (--architecture)',
  });
}

/** The target when neither flag, environment nor pyproject names one. */
export const DEFAULT_PYTHON_TARGET: PythonTarget = { pythonVersion: '3.12', architecture: 'x86_64' };
