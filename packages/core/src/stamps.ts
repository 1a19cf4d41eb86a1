/**
 * The stamps by which each local step trusts only finished work, read and
 * compared here and nowhere else:
 *
 * - build/lambda/layer/.build-stamp.json, written last by `layer build`: what
 *   artifacts/python/ was built from (manifest MD5, tool and its version,
 *   target, index URL without credentials) and a content digest of the tree.
 *   `layer package` refuses artifacts/python/ unless the stamp exists and its
 *   digest matches what is on disk.
 * - build/lambda/layer/.package-stamp.json, written last by `layer package`:
 *   the build digest and manifest MD5 the zip was made from and the zip's
 *   SHA-256. `layer upload` refuses a layer.zip unless it matches.
 *
 * Both are one format: a JSON file written atomically and last, read back
 * only when complete (`readStamp`), whose key — what the step's output was
 * made from — is compared field by field by one function (`isSameStampKey`).
 * Stamps hold only project-relative facts and content digests (no absolute
 * paths, mtimes or inodes), so they stay valid when the project is copied or
 * restored from an Nx cache on another machine.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import { ErrorCodes, LayerError } from './errors.js';
import { md5Hex, sha256File } from './fingerprint.js';
import type { Architecture, PythonVersion } from './lambda.js';
import type { LocalLayout } from './layout.js';
import type { BuildResult, ExcludedEntry, PackageResult } from './results.js';
import { toLayerErrorFromSystem } from './system-errors.js';
import type { BuildTool, Installer } from './tools.js';
import { digestTree, type TreeDigest } from './tree-digest.js';

export const BUILD_STAMP_VERSION = 2;
export const PACKAGE_STAMP_VERSION = 2;

/** What a build was made from: when all of it matches, a re-run has nothing to do. */
export interface BuildStampKey {
  manifestMd5: string;
  tool: BuildTool;
  pythonVersion: PythonVersion;
  architecture: Architecture;
  container: boolean;
  /** The pinned installer and its version: another pip or uv may install the same lock differently. */
  installer: Installer;
  installerVersion: string;
}

export interface BuildStamp {
  version: typeof BUILD_STAMP_VERSION;
  tool: BuildTool;
  toolVersion: string;
  installer: Installer;
  installerVersion: string;
  manifest: { file: string; md5: string };
  target: { pythonVersion: PythonVersion; architecture: Architecture; container: boolean };
  /** The package index the build installed from, without credentials; absent for the tool's default. */
  indexUrl?: string;
  /** artifacts/python/ as the build left it. */
  tree: TreeDigest;
  /** `name==version`, sorted by name. */
  packages: string[];
}

export interface PackageStamp {
  version: typeof PACKAGE_STAMP_VERSION;
  /** The build the zip was made from. */
  build: { treeDigest: string; manifest: { file: string; md5: string } };
  /** A digest of everything else that decides the zip's bytes: the options and the zip writer's format. */
  input: string;
  zip: { bytes: number; sha256Hex: string; sha256Base64: string };
  result: { zippedBytes: number; unzippedBytes: number; files: number; excluded: ExcludedEntry[] };
}

// ---------------------------------------------------------------- reading and writing

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

function isCompleteBuildStamp(value: unknown): value is BuildStamp {
  if (!isObject(value) || value.version !== BUILD_STAMP_VERSION) return false;
  const { manifest, target, tree } = value;
  return (
    isString(value.tool) &&
    typeof value.toolVersion === 'string' &&
    (value.installer === 'pip' || value.installer === 'uv') &&
    isString(value.installerVersion) &&
    isObject(manifest) &&
    isString(manifest.file) &&
    isString(manifest.md5) &&
    isObject(target) &&
    isString(target.pythonVersion) &&
    isString(target.architecture) &&
    typeof target.container === 'boolean' &&
    isObject(tree) &&
    isString(tree.digest) &&
    typeof tree.files === 'number' &&
    typeof tree.bytes === 'number' &&
    Array.isArray(value.packages)
  );
}

function isCompletePackageStamp(value: unknown): value is PackageStamp {
  if (!isObject(value) || value.version !== PACKAGE_STAMP_VERSION) return false;
  const { build, zip, result } = value;
  return (
    isObject(build) &&
    isString(build.treeDigest) &&
    isObject(build.manifest) &&
    isString(build.manifest.md5) &&
    isString(value.input) &&
    isObject(zip) &&
    typeof zip.bytes === 'number' &&
    isString(zip.sha256Hex) &&
    isString(zip.sha256Base64) &&
    isObject(result) &&
    Array.isArray(result.excluded)
  );
}

/** A stamp file's JSON, or undefined when it is missing or unreadable as JSON (a stamp is a cache of trust, never a reason to fail). */
async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Missing, half-written by an old version, or garbage: no stamp. Anything else (EACCES, EISDIR) the user must see.
    if (code === undefined || code === 'ENOENT') return undefined;
    throw toLayerErrorFromSystem(error, { path, doing: `read ${path}` }) ?? error;
  }
}

async function readStamp<T>(path: string, isComplete: (value: unknown) => value is T): Promise<T | undefined> {
  const value = await readJson(path);
  return isComplete(value) ? value : undefined;
}

function writeStamp(path: string, stamp: BuildStamp | PackageStamp): Promise<void> {
  return writeFileAtomically(path, `${JSON.stringify(stamp, null, 2)}\n`);
}

/** The build stamp, or undefined when there is none or it is not complete. */
export const readBuildStamp = (layout: LocalLayout): Promise<BuildStamp | undefined> => readStamp(layout.buildStamp, isCompleteBuildStamp);

/** Written atomically, and by the build only after artifacts/python/ is complete and in place. */
export const writeBuildStamp = (layout: LocalLayout, stamp: BuildStamp): Promise<void> => writeStamp(layout.buildStamp, stamp);

export const removeBuildStamp = (layout: LocalLayout): Promise<void> => rm(layout.buildStamp, { force: true });

export const readPackageStamp = (layout: LocalLayout): Promise<PackageStamp | undefined> => readStamp(layout.packageStamp, isCompletePackageStamp);

/** Written atomically, after layer.zip is in place: it names the zip's SHA-256, so it never vouches for another zip. */
export const writePackageStamp = (layout: LocalLayout, stamp: PackageStamp): Promise<void> => writeStamp(layout.packageStamp, stamp);

// ---------------------------------------------------------------- comparing

/** A stamp's key: flat facts, each compared for equality. */
type StampKey<K> = { readonly [P in keyof K]: string | number | boolean };

/** The one comparison of stamp keys: the same fields with the same values. */
export function isSameStampKey<K extends StampKey<K>>(a: K, b: K): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof K>);
  return [...names].every((name) => a[name] === b[name]);
}

export function buildStampKeyOf(stamp: BuildStamp): BuildStampKey {
  return { manifestMd5: stamp.manifest.md5, tool: stamp.tool, ...stamp.target, installer: stamp.installer, installerVersion: stamp.installerVersion };
}

/** Whether the stamp describes a build of this manifest, with this tool, for this target. */
export function isBuildStampFor(stamp: BuildStamp | undefined, key: BuildStampKey): stamp is BuildStamp {
  return stamp !== undefined && isSameStampKey<BuildStampKey>(buildStampKeyOf(stamp), key);
}

/** The build's result as `layer build` reports it, with this machine's paths. */
export function buildResultFromStamp(layout: LocalLayout, stamp: BuildStamp, status: BuildResult['status']): BuildResult {
  return {
    status,
    tool: stamp.tool,
    toolVersion: stamp.toolVersion,
    installer: stamp.installer,
    installerVersion: stamp.installerVersion,
    pythonVersion: stamp.target.pythonVersion,
    architecture: stamp.target.architecture,
    container: stamp.target.container,
    pythonDir: layout.pythonDir,
    packages: [...stamp.packages],
    bytes: stamp.tree.bytes,
    files: stamp.tree.files,
  };
}

export function packageResultFromStamp(layout: LocalLayout, stamp: PackageStamp, status: PackageResult['status']): PackageResult {
  return {
    status,
    zipPath: layout.layerZip,
    zippedBytes: stamp.result.zippedBytes,
    unzippedBytes: stamp.result.unzippedBytes,
    files: stamp.result.files,
    sha256: { hex: stamp.zip.sha256Hex, base64: stamp.zip.sha256Base64 },
    excluded: stamp.result.excluded,
  };
}

/** What decides a package run's zip: the build it zips and everything else (`input`: options, zip format). */
export interface PackageStampKey {
  treeDigest: string;
  input: string;
}

export function packageStampKeyOf(stamp: PackageStamp): PackageStampKey {
  return { treeDigest: stamp.build.treeDigest, input: stamp.input };
}

/** Bump when the zip bytes for the same input would change (zip writer or format changes). */
export const ZIP_FORMAT_VERSION = 1;

/** The options of `layer package` that decide the zip's bytes. */
export interface PackageStampOptions {
  ignore: readonly string[];
  defaultIgnore: boolean;
  keepBytecode: boolean;
  compressionLevel: number;
}

/** The package stamp's `input`: a digest of the options and the zip format, everything besides the build that decides the zip's bytes. */
export function packageStampInput(options: PackageStampOptions): string {
  const { ignore, defaultIgnore, keepBytecode, compressionLevel } = options;
  return createHash('sha256')
    .update(JSON.stringify({ format: ZIP_FORMAT_VERSION, ignore: [...ignore], defaultIgnore, keepBytecode, compressionLevel }))
    .digest('hex');
}

/**
 * The package stamp when layer.zip is still exactly what it describes (same
 * size and SHA-256) and was made from this build with these options: the
 * package step then has nothing to do.
 */
export async function findCurrentPackageStamp(layout: LocalLayout, key: PackageStampKey): Promise<PackageStamp | undefined> {
  const stamp = await readPackageStamp(layout);
  if (!stamp || !isSameStampKey<PackageStampKey>(packageStampKeyOf(stamp), key)) return undefined;
  const info = await stat(layout.layerZip).catch(() => undefined);
  if (!info?.isFile() || info.size !== stamp.zip.bytes) return undefined;
  return (await sha256File(layout.layerZip)).hex === stamp.zip.sha256Hex ? stamp : undefined;
}

export interface VerifiedArtifacts {
  stamp: BuildStamp;
  tree: TreeDigest;
}

/** The digest of artifacts/python/ as it is on disk now. */
export function digestArtifacts(layout: LocalLayout, signal?: AbortSignal): Promise<TreeDigest> {
  return digestTree(layout.pythonDir, { displayRoot: 'artifacts/python', ...(signal ? { signal } : {}) });
}

/**
 * artifacts/python/ exactly as a finished build of the current manifest left
 * it: the build stamp exists, is complete, names the manifest's MD5 as it is
 * now, and its tree digest is what is on disk. Anything else (a build killed
 * midway, a lock changed since, files changed by hand) is refused in one line.
 */
export async function verifyArtifacts(layout: LocalLayout, signal?: AbortSignal): Promise<VerifiedArtifacts> {
  const refuse = (message: string, reason: string) =>
    new LayerError(ErrorCodes.ARTIFACTS_UNVERIFIED, message, { hint: 'run `layer build`', details: { path: layout.pythonDir, reason } });
  const stamp = await readBuildStamp(layout);
  if (!stamp)
    throw refuse('artifacts/python/ has no build stamp: the build did not finish, or the files were not put there by `layer build`', 'no-stamp');
  const manifestPath = join(layout.projectDir, stamp.manifest.file);
  const manifest = await readFile(manifestPath).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toLayerErrorFromSystem(error, { path: manifestPath, doing: `read ${manifestPath}` }) ?? error;
  });
  if (!manifest || md5Hex(manifest) !== stamp.manifest.md5)
    throw refuse(`${stamp.manifest.file} changed since artifacts/python/ was built`, 'manifest-changed');
  const tree = await digestArtifacts(layout, signal);
  if (tree.digest !== stamp.tree.digest) {
    throw refuse(
      `artifacts/python/ is incomplete or changed since the build (${tree.files} files on disk, ${stamp.tree.files} built)`,
      'tree-changed',
    );
  }
  return { stamp, tree };
}

/** The fingerprints of what `layer upload` is about to send. */
export interface LayerZipFacts {
  manifest: { file: string; md5: string };
  zipSha256Base64: string;
}

/**
 * layer.zip exactly as `layer package` wrote it from a build of the current
 * manifest: its package stamp exists, names this manifest's MD5 and this
 * zip's SHA-256, and (when a build stamp is here) that build. Returns the stamp.
 */
export async function verifyLayerZip(layout: LocalLayout, facts: LayerZipFacts): Promise<PackageStamp> {
  const refuse = (message: string, reason: string, hint = 'run `layer package`') =>
    new LayerError(ErrorCodes.LAYER_ZIP_UNVERIFIED, message, { hint, details: { path: layout.layerZip, reason } });
  const stamp = await readPackageStamp(layout);
  if (!stamp) throw refuse('layer.zip has no package stamp: `layer package` did not write it, or did not finish', 'no-stamp');
  if (stamp.zip.sha256Base64 !== facts.zipSha256Base64) throw refuse('layer.zip changed since `layer package` wrote it', 'zip-changed');
  if (stamp.build.manifest.md5 !== facts.manifest.md5) {
    throw refuse(`${facts.manifest.file} changed since layer.zip was packaged`, 'manifest-changed', 'run `layer build` and `layer package`');
  }
  // Without a build stamp here (an upload job that received only the zip and its stamp) the manifest check above stands alone.
  const build = await readBuildStamp(layout);
  if (build && build.tree.digest !== stamp.build.treeDigest)
    throw refuse('layer.zip was packaged from an earlier build than the one in artifacts/python/', 'build-changed');
  return stamp;
}
