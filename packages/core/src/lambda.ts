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

/** Python versions a layer can target: the Python runtimes Lambda offers (see LAMBDA_PYTHON_RUNTIMES). */
export const PYTHON_VERSIONS = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/** Every runtime identifier Lambda accepts in CompatibleRuntimes. */
export const LAMBDA_RUNTIMES = [
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'nodejs4.3-edge',
  'java8', 'java8.al2', 'java11', 'java17', 'java21', 'java25',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12',
  'python3.13', 'python3.14',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'dotnet8', 'dotnet10',
  'go1.x', 'ruby2.5', 'ruby2.7', 'ruby3.2', 'ruby3.3', 'ruby3.4', 'provided', 'provided.al2', 'provided.al2023',
] as const;

export interface PythonTarget {
  pythonVersion: PythonVersion;
  architecture: Architecture;
}

/** A `major.minor` version such as glibc 2.26. */
export interface MajorMinor {
  major: number;
  minor: number;
}

/** What an operating system under a Lambda runtime offers the shared objects of a layer. */
export interface LambdaOperatingSystem {
  name: 'Amazon Linux 2' | 'Amazon Linux 2023';
  /** Its glibc: the newest `GLIBC_2.x` symbol version a shared object may need, and the newest manylinux_2_x tag it loads. */
  glibc: MajorMinor;
  /** Its gcc, whose libstdc++ sets the newest `GLIBCXX_3.4.x` and `CXXABI_1.3.x` symbol versions. */
  gcc: string;
  /** Newest `GLIBCXX_` symbol version of its libstdc++.so.6. */
  glibcxx: string;
  /** Newest `CXXABI_` symbol version of its libstdc++.so.6. */
  cxxabi: string;
  /**
   * The shared libraries a layer's ELF files may need without shipping them
   * (`NEEDED` entries): glibc's own libraries, the gcc runtime (libgcc_s,
   * libstdc++) and zlib, which every Lambda Python runtime loads for its own
   * zlib module. Anything else must be inside the layer: Lambda's images have
   * no X11, GL, glib or OpenSSL a wheel could count on.
   */
  systemLibraries: readonly string[];
}

/** glibc's libraries and the dynamic loaders of both architectures. */
const GLIBC_LIBRARIES = [
  'libc.so.6', 'libm.so.6', 'libdl.so.2', 'librt.so.1', 'libpthread.so.0', 'libutil.so.1', 'libresolv.so.2', 'libanl.so.1',
  'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1',
];
const GCC_RUNTIME_LIBRARIES = ['libgcc_s.so.1', 'libstdc++.so.6'];

export const AMAZON_LINUX_2: LambdaOperatingSystem = {
  name: 'Amazon Linux 2',
  glibc: { major: 2, minor: 26 },
  gcc: '7.3',
  glibcxx: '3.4.24',
  cxxabi: '1.3.11',
  // glibc 2.26 still builds libnsl.so.1 and libcrypt.so.1 (both left glibc later).
  systemLibraries: [...GLIBC_LIBRARIES, 'libnsl.so.1', 'libcrypt.so.1', ...GCC_RUNTIME_LIBRARIES, 'libz.so.1'],
};

export const AMAZON_LINUX_2023: LambdaOperatingSystem = {
  name: 'Amazon Linux 2023',
  glibc: { major: 2, minor: 34 },
  gcc: '11',
  glibcxx: '3.4.29',
  cxxabi: '1.3.13',
  // Like Fedora, AL2023 has libxcrypt's libcrypt.so.2 and no libnsl.so.1.
  systemLibraries: [...GLIBC_LIBRARIES, 'libcrypt.so.2', ...GCC_RUNTIME_LIBRARIES, 'libz.so.1'],
};

/** One Lambda Python runtime: its identifier and the operating system it runs on. */
export interface LambdaPythonRuntime {
  /** `python3.12`: the identifier in CreateFunction and CompatibleRuntimes. */
  identifier: `python${PythonVersion}`;
  pythonVersion: PythonVersion;
  os: LambdaOperatingSystem;
}

/**
 * The Python runtimes Lambda offers (the "Supported runtimes" table of the
 * Lambda developer guide; lambda.test.ts holds the documented facts with their
 * source): 3.9-3.11 run on Amazon Linux 2, 3.12 and later on Amazon Linux 2023.
 */
export const LAMBDA_PYTHON_RUNTIMES: Readonly<Record<PythonVersion, LambdaPythonRuntime>> = {
  '3.9': { identifier: 'python3.9', pythonVersion: '3.9', os: AMAZON_LINUX_2 },
  '3.10': { identifier: 'python3.10', pythonVersion: '3.10', os: AMAZON_LINUX_2 },
  '3.11': { identifier: 'python3.11', pythonVersion: '3.11', os: AMAZON_LINUX_2 },
  '3.12': { identifier: 'python3.12', pythonVersion: '3.12', os: AMAZON_LINUX_2023 },
  '3.13': { identifier: 'python3.13', pythonVersion: '3.13', os: AMAZON_LINUX_2023 },
  '3.14': { identifier: 'python3.14', pythonVersion: '3.14', os: AMAZON_LINUX_2023 },
};

/** Python runtimes Lambda no longer lets anyone create functions with, and when that stopped. */
const RETIRED_PYTHON_RUNTIMES: Readonly<Record<string, string>> = {
  '3.8': 'deprecated on 2024-10-14',
  '3.7': 'deprecated on 2023-12-04',
  '3.6': 'deprecated on 2022-07-18',
};

export function lambdaPythonRuntime(pythonVersion: PythonVersion): LambdaPythonRuntime {
  return LAMBDA_PYTHON_RUNTIMES[pythonVersion];
}

/** glibc of the Amazon Linux a Python runtime runs on: AL2 (2.26) up to 3.11, AL2023 (2.34) from 3.12. */
export function targetGlibc(pythonVersion: PythonVersion): MajorMinor {
  return { ...lambdaPythonRuntime(pythonVersion).os.glibc };
}

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

/** `cp312` for 3.12. */
export function cpythonTag(pythonVersion: PythonVersion): string {
  return `cp${pythonVersion.replace('.', '')}`;
}

/** Machine name in wheel tags and ELF headers: x86_64 or aarch64. */
export function wheelMachine(architecture: Architecture): 'x86_64' | 'aarch64' {
  return architecture === 'arm64' ? 'aarch64' : 'x86_64';
}

export function parsePythonVersion(value: unknown): PythonVersion {
  const text = String(value).trim().replace(/^python/, '');
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
