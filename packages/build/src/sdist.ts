/**
 * A version with no wheel at all leaves its source distribution. Before
 * anything compiles, the sdist is downloaded (hash-checked) and its file list
 * read: native sources (C, C++, Cython, Rust, Fortran, a Cargo, CMake or Meson
 * build, setup.py's ext_modules) mean it can only be built for the target in
 * the SAM image (--container). Only a pure-Python sdist is built here, by the
 * pinned pip, and the wheel it gives must again be pure.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { installerEnv } from './credentials.js';
import type { SourceOnly } from './diagnose.js';
import type { IndexCredentials } from './index-credentials.js';
import type { InstallContext } from './install.js';
import { describeTarget } from './platform.js';
import { type RequirementEntry, usesHashes } from './requirements.js';
import { runTool, tail } from './run-tool.js';
import { indexRequest } from './simple-index.js';

export interface BuiltWheel {
  name: string;
  path: string;
  sha256: string;
}

function containerHint(name: string): string {
  return `build with --container (inside the SAM build image, where ${name} compiles for the target), or pin a version of ${name} that ships manylinux wheels`;
}

/** Pure-Python wheels run anywhere: their tag ends in `-none-any`. */
export function isPureWheel(fileName: string): boolean {
  return fileName.endsWith('-none-any.whl');
}

/** Files that mean compiled code. */
const NATIVE_SOURCE = /\.(c|cc|cpp|cxx|c\+\+|pyx|rs|f|f90|f95|for|cu|swg)$/i;
const NATIVE_BUILD_FILE = /^(Cargo\.toml|CMakeLists\.txt|meson\.build|binding\.gyp)$/;
/** Lines of setup.py / pyproject.toml that mean a native build. */
const NATIVE_BUILD_TEXT =
  /\bext_modules\b|\bExtension\(|\bcffi_modules\b|\bRustExtension\b|build-backend\s*=\s*["'](?:maturin|mesonpy|scikit_build_core\.build|setuptools_rust)[^"']*["']|\[tool\.maturin\]/;

/** The first piece of evidence of native code among an sdist's files, or undefined for a pure-Python sdist. */
export function nativeEvidence(files: ReadonlyMap<string, string | undefined>): string | undefined {
  for (const [path, text] of files) {
    // Paths inside the archive start with `name-version/`.
    const inner = path.split('/').slice(1).join('/');
    const base = inner.split('/').pop() ?? '';
    if (NATIVE_SOURCE.test(base)) return inner;
    if (NATIVE_BUILD_FILE.test(base)) return inner;
    if (text !== undefined && NATIVE_BUILD_TEXT.test(text)) return `${inner} (${NATIVE_BUILD_TEXT.exec(text)?.[0]})`;
  }
  return undefined;
}

/** The build scripts whose text is read, at the top of the archive. */
function isBuildScript(path: string): boolean {
  return /^[^/]+\/(setup\.py|pyproject\.toml)$/.test(path);
}

/** Every path in an sdist (.tar.gz or .zip), with the text of its top-level setup.py and pyproject.toml. */
export async function readSdistFiles(path: string): Promise<Map<string, string | undefined>> {
  const files = new Map<string, string | undefined>();
  // Loaded on first use: a build that meets no sdist never needs them (~15 ms of start-up).
  if (path.endsWith('.zip')) {
    const { unzipSync } = await import('fflate');
    const kept = unzipSync(await readFile(path), {
      filter: (file) => {
        files.set(file.name, undefined);
        return isBuildScript(file.name);
      },
    });
    for (const [name, bytes] of Object.entries(kept)) files.set(name, Buffer.from(bytes).toString('utf8'));
    return files;
  }
  const reads: Array<Promise<void>> = [];
  const { list: listTar } = await import('tar');
  await listTar({
    file: path,
    onReadEntry: (entry) => {
      files.set(entry.path, undefined);
      if (!isBuildScript(entry.path)) return;
      reads.push(
        entry.concat().then((bytes) => {
          files.set(entry.path, bytes.toString('utf8'));
        }),
      );
    },
  });
  await Promise.all(reads);
  return files;
}

/** The sha256 values a requirement pins (`--hash=sha256:…`). */
function pinnedHashes(entry: RequirementEntry | undefined): string[] {
  return [...(entry?.text ?? '').matchAll(/--hash[= ]sha256:([0-9a-f]{64})/g)].map((match) => match[1] as string);
}

/** Downloads the sdist into repo/sdist/<name>/ and checks it against the lock's hashes (or the index's). */
async function downloadSdist(
  context: InstallContext,
  index: IndexCredentials,
  source: SourceOnly,
  entry: RequirementEntry | undefined,
): Promise<string> {
  const dir = join(context.repoDir, 'sdist', source.name);
  await mkdir(dir, { recursive: true });
  const answer = await indexRequest(source.sdist.url, index, { timeoutMs: 300_000 });
  if (!answer.ok || !answer.response.ok) {
    if (answer.ok) await answer.response.body?.cancel();
    throw new LayerError(
      ErrorCodes.BUILD_FAILED,
      `could not download ${source.sdist.filename} (${answer.ok ? `HTTP ${answer.response.status}` : answer.failure.kind === 'unreachable' ? answer.failure.reason : 'failed'})`,
      {
        hint: 'check the index and the network, then build again',
      },
    );
  }
  const bytes = Buffer.from(await answer.response.arrayBuffer());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const expected = pinnedHashes(entry);
  if ((expected.length && !expected.includes(sha256)) || (source.sdist.sha256 && source.sdist.sha256 !== sha256)) {
    throw new LayerError(
      ErrorCodes.BUILD_FAILED,
      `${source.sdist.filename} has sha256 ${sha256}, which the ${expected.length ? 'lock' : 'index'} does not list`,
      {
        hint: 'the index serves another file than the lock recorded: re-lock, or check the index',
      },
    );
  }
  const path = join(dir, source.sdist.filename);
  await writeFile(path, bytes);
  return path;
}

/**
 * Builds the sdist of a package that has no wheel at all into a wheel, on the
 * host, with the pinned pip, after checking it holds no native code.
 */
export async function buildPureWheel(
  context: InstallContext,
  index: IndexCredentials,
  source: SourceOnly,
  entries: readonly RequirementEntry[],
): Promise<BuiltWheel> {
  const { name, version } = source;
  const target = describeTarget(context.platform);
  const entry = entries.find((candidate) => candidate.name === name);
  const sdistPath = await downloadSdist(context, index, source, entry);
  const evidence = nativeEvidence(await readSdistFiles(sdistPath));
  if (evidence) {
    throw new LayerError(
      ErrorCodes.NATIVE_SDIST_ONLY,
      `${name} ${version} has no wheel for ${target}, only a source distribution with native code (${evidence})`,
      {
        hint: containerHint(name),
        details: { package: name, version, evidence },
      },
    );
  }
  const pip = await context.pinnedPip();
  const wheelhouse = join(context.repoDir, 'sdist', name, 'wheels');
  await mkdir(wheelhouse, { recursive: true });
  context.logger.detail(`${name} ${version}: no wheel on the index; building its pure-Python source distribution`);
  const result = await runTool(
    pip.command,
    [...pip.prefix, 'wheel', '--no-input', '--disable-pip-version-check', '--no-deps', '--wheel-dir', wheelhouse, sdistPath],
    { cwd: context.repoDir, env: installerEnv('pip', index, context.env), redactor: context.redactor, logger: context.logger },
  );
  const built = (await readdir(wheelhouse)).filter((file) => file.endsWith('.whl'));
  const wheel = built[0];
  if (result.code !== 0 || !wheel) {
    throw new LayerError(
      ErrorCodes.NATIVE_SDIST_ONLY,
      `${name} ${version} has no wheel for ${target} and its source distribution failed to build here (${tail(result.output, 2)})`,
      {
        hint: containerHint(name),
        details: { package: name },
      },
    );
  }
  if (!isPureWheel(wheel)) {
    throw new LayerError(
      ErrorCodes.NATIVE_SDIST_ONLY,
      `${name} ${version} has no wheel for ${target}, only a source distribution with native code (it built ${wheel} for this machine)`,
      {
        hint: containerHint(name),
        details: { package: name, wheel },
      },
    );
  }
  const path = join(wheelhouse, wheel);
  const sha256 = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  context.logger.detail(`${name}: built pure-Python ${wheel}`);
  return { name, path, sha256 };
}

/**
 * The requirements with each built package pointing at its wheel file, hashed
 * like the rest when the file uses hashes (pip checks all or none).
 */
export function withBuiltWheels(entries: readonly RequirementEntry[], wheels: readonly BuiltWheel[]): RequirementEntry[] {
  const hashed = usesHashes(entries);
  const built = new Set(wheels.map((wheel) => wheel.name));
  const rest = entries.filter((entry) => !entry.name || !built.has(entry.name));
  const added = wheels.map((wheel) => ({
    name: wheel.name,
    text: `${wheel.name} @ ${pathToFileURL(wheel.path).href}${hashed ? ` --hash=sha256:${wheel.sha256}` : ''}`,
  }));
  return [...rest, ...added];
}
