import { ErrorCodes, LayerError } from '@lambda-layer/core';
import type { MarkerEnvironment } from './marker.js';
import { constraintAllows } from './python-constraint.js';

/** Where a locked distribution comes from. */
export type PackageSource =
  /** A package index (PEP 503 simple URL as the lock records it). */
  | { kind: 'registry'; url: string }
  /** A direct archive URL (a wheel or sdist file). */
  | { kind: 'url'; url: string }
  /** A git repository at an exact commit. */
  | { kind: 'git'; url: string; commit: string; subdirectory?: string }
  /** A local file or folder (refused for a layer: see `refuseLocalSources`). */
  | { kind: 'path'; path: string; editable: boolean };

export interface LockedFile {
  /** The file name (`six-1.17.0-py2.py3-none-any.whl`). */
  name: string;
  /** Its URL when the lock records one (uv.lock does; poetry.lock records names only). */
  url?: string;
  /** Hex SHA-256 of the file. */
  sha256: string;
}

/** One pinned distribution of the install set. */
export interface LockedPackage {
  /** PEP 503-normalised name. */
  name: string;
  /** The exact version the lock pins. */
  version: string;
  source: PackageSource;
  /** Every file the lock lists for this version, with its hash (wheels for all platforms and the sdist). */
  files: LockedFile[];
  /** The environment markers that brought it in (already true for the target); informational. */
  markers: string[];
}

/** What a lock reader returns: exactly the main dependencies to install for one target. */
export interface LockedInstallSet {
  lockFile: 'uv.lock' | 'poetry.lock';
  /** The Python versions the lock was resolved for (PEP 440, or Poetry's form). */
  requiresPython: string | undefined;
  /** Sorted by name. */
  packages: LockedPackage[];
}

/** The target a lock is read for, and the project's optional features to include. */
export interface LockTarget {
  /** PEP 508 values of the target runtime (see `targetMarkerEnvironment`). */
  environment: MarkerEnvironment['values'];
  /** The project's own extras (`[project.optional-dependencies]`) to include; none by default, like `uv export` and `poetry export`. */
  extras?: readonly string[];
}

/** PEP 503 normalisation (core's, shared with publish's manifest diff). */
export { normalizePackageName } from '@lambda-layer/core';

/** Hex SHA-256 out of a lock's `sha256:…` hash; other algorithms are skipped (pip and uv accept sha256 throughout). */
export function sha256Of(hash: unknown): string | undefined {
  if (typeof hash !== 'string') return undefined;
  const match = /^sha256:([0-9a-f]{64})$/i.exec(hash.trim());
  return match ? (match[1] as string).toLowerCase() : undefined;
}

/** Refuses a target outside the Python versions the lock was made for: its markers would be wrong, or all false. */
export function checkTargetPython(requiresPython: string | undefined, environment: LockTarget['environment'], lockFile: string): void {
  const version = environment.python_full_version ?? environment.python_version;
  if (!requiresPython || !version || constraintAllows(requiresPython, version)) return;
  throw new LayerError(
    ErrorCodes.PYTHON_VERSION_EXCLUDED,
    `the project's requires-python ${requiresPython} (recorded in ${lockFile}) excludes Python ${environment.python_version ?? version}`,
    {
      hint: 'build for a Python version the project supports (--python-version), or widen requires-python and lock again',
      details: { requiresPython, pythonVersion: version },
    },
  );
}

export function lockInvalid(lockFile: string, reason: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.LOCK_INVALID, `${lockFile} cannot be read: ${reason}`, { hint });
}

/**
 * A layer is built from the lock alone, in build/lambda/layer/repo/: a
 * dependency on a local folder or file has nothing to install from there,
 * and would put code from outside the lock into the layer. Refused by name.
 */
export function refuseLocalSources(set: LockedInstallSet, relockHint: string): void {
  const local = set.packages.filter((pkg) => pkg.source.kind === 'path');
  if (!local.length) return;
  const names = local.map((pkg) => `${pkg.name} (${(pkg.source as { path: string }).path})`).join(', ');
  throw new LayerError(ErrorCodes.LOCK_UNSUPPORTED, `${set.lockFile} has local path dependencies, which a layer cannot be built from: ${names}`, {
    hint: `publish them to a package index, or depend on them by git URL or archive URL, and ${relockHint}`,
    details: { packages: local.map((pkg) => pkg.name) },
  });
}

/**
 * One package as a hash-pinned requirement line (pip's format, which
 * `uv pip install --require-hashes --no-deps` and pip read): no marker (it was
 * evaluated for the target), every hash the lock knows for the version.
 */
export function formatInstallRequirement(pkg: LockedPackage): string {
  const hashes = [...new Set(pkg.files.map((file) => ` \\\n    --hash=sha256:${file.sha256}`))].sort().join('');
  switch (pkg.source.kind) {
    case 'registry':
      return `${pkg.name}==${pkg.version}${hashes}`;
    case 'url':
      return `${pkg.name} @ ${pkg.source.url}${hashes}`;
    case 'git': {
      const subdirectory = pkg.source.subdirectory ? `#subdirectory=${pkg.source.subdirectory}` : '';
      return `${pkg.name} @ git+${pkg.source.url}@${pkg.source.commit}${subdirectory}`;
    }
    case 'path':
      throw new Error(`${pkg.name}: a path dependency has no requirement line (refuseLocalSources first)`);
  }
}

/** The install set as a hash-pinned requirements file, one line per package. */
export function formatInstallRequirements(set: LockedInstallSet): string {
  return `${set.packages.map(formatInstallRequirement).join('\n')}\n`;
}
