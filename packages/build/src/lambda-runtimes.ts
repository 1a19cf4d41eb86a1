/**
 * What the build must know of the Lambda Python runtimes to install wheels
 * that load there: each runtime's Amazon Linux, its glibc, libstdc++ and the
 * system libraries a layer may count on, and the wheel tags of a target.
 * Only the build needs these facts (the Python versions and architectures a
 * layer can target are core's, every step shares them).
 */
import type { Architecture, PythonVersion } from '@lambda-layer/core';

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
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'librt.so.1',
  'libpthread.so.0',
  'libutil.so.1',
  'libresolv.so.2',
  'libanl.so.1',
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
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
 * Lambda developer guide; lambda-runtimes.test.ts holds the documented facts with their
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

export function lambdaPythonRuntime(pythonVersion: PythonVersion): LambdaPythonRuntime {
  return LAMBDA_PYTHON_RUNTIMES[pythonVersion];
}

/** glibc of the Amazon Linux a Python runtime runs on: AL2 (2.26) up to 3.11, AL2023 (2.34) from 3.12. */
export function targetGlibc(pythonVersion: PythonVersion): MajorMinor {
  return { ...lambdaPythonRuntime(pythonVersion).os.glibc };
}

/** `cp312` for 3.12. */
export function cpythonTag(pythonVersion: PythonVersion): string {
  return `cp${pythonVersion.replace('.', '')}`;
}

/** Machine name in wheel tags and ELF headers: x86_64 or aarch64. */
export function wheelMachine(architecture: Architecture): 'x86_64' | 'aarch64' {
  return architecture === 'arm64' ? 'aarch64' : 'x86_64';
}
