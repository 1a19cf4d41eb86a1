/**
 * The pinned installers: pip and uv at the versions in pinned-installers.json,
 * installed once into the tool cache and never taken from the host, so the
 * same lock installs the same way on every machine. The host's pip is never
 * run; its Python only runs the pinned pip (`python3 -I <cache>/pip-25.3/pip`,
 * which pip supports by design: pip/__main__.py puts its own folder first).
 *
 * Each installer is one wheel from the build's index (or pypi.org), checked
 * against the pinned sha256, unpacked into a fresh folder that is renamed into
 * place: a killed install leaves a `.partial-*` folder that is never used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, type Installer, layerCacheDir, LayerError, type Logger, silentLogger } from '@lambda-layer/core';
import type { IndexCredentials } from './index-credentials.js';
import type { ToolCommand } from './preflight.js';
import { Redactor } from './redact.js';
import { type ChildEnv, findAllOnPath, runTool } from './run-tool.js';
import { fetchProjectPage, indexBase, indexRequest, PYPI_SIMPLE } from './simple-index.js';

/** core's `Installer` under a name that does not clash with install.ts's `Installer` (the installer's code). */
export type InstallerName = Installer;

interface PinnedWheel {
  file: string;
  sha256: string;
}

export interface PinnedInstaller {
  version: string;
  /** Oldest host Python that runs it (pip only). */
  requiresPython?: string;
  /** By host platform key (`linux-x64`, `darwin-arm64`, …; `any` for a pure wheel). */
  wheels: Record<string, PinnedWheel>;
}

export type PinnedInstallers = Record<InstallerName, PinnedInstaller>;

let pinned: PinnedInstallers | undefined;

/** The pinned versions and hashes: one file, shipped with the package, read by tools/setup-tools.mjs too. */
export async function pinnedInstallers(): Promise<PinnedInstallers> {
  pinned ??= JSON.parse(await readFile(new URL('../pinned-installers.json', import.meta.url), 'utf8')) as PinnedInstallers;
  return pinned;
}

export { layerCacheDir };

let platformKey: string | undefined;

/** `linux-x64`, `linux-arm64-musl`, `darwin-arm64`: which uv binary this host runs. */
export function hostPlatformKey(): string {
  if (platformKey === undefined) {
    let musl = false;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- @types/node says always present; a runtime without process.report falls back to glibc
    if (process.platform === 'linux' && process.report) {
      // The report names the glibc the process runs on (none on musl); without its network part it takes ~3 ms, once.
      (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
      musl = !(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
    }
    platformKey = `${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
  }
  return platformKey;
}

export interface EnsureInstallerOptions {
  env: ChildEnv;
  /** The build's index (tried first) and its credentials. */
  credentials: IndexCredentials;
  redactor?: Redactor;
  logger?: Logger;
}

/** The folder an installer lives in, for this host. */
export async function installerDir(name: InstallerName, env: ChildEnv): Promise<string> {
  const spec = (await pinnedInstallers())[name];
  const suffix = name === 'uv' ? `-${hostPlatformKey()}` : '';
  return join(layerCacheDir(env), 'tools', `${name}-${spec.version}${suffix}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Downloads a pinned wheel from the index (or pypi.org) and checks its sha256. */
async function downloadWheel(name: InstallerName, wheel: PinnedWheel, options: EnsureInstallerOptions): Promise<Uint8Array> {
  const indexes = [...new Set([indexBase(options.credentials.indexUrl), PYPI_SIMPLE])];
  const tried: string[] = [];
  for (const index of indexes) {
    const credentials = index === indexBase(options.credentials.indexUrl) ? options.credentials : {};
    const page = await fetchProjectPage(index, name, credentials);
    if (!page.ok) {
      tried.push(`${index}: ${page.failure.kind === 'unreachable' ? page.failure.reason : `HTTP ${page.failure.status}`}`);
      continue;
    }
    const file = page.page.files.find((candidate) => candidate.filename === wheel.file);
    if (!file) {
      tried.push(`${index}: no ${wheel.file}`);
      continue;
    }
    const answer = await indexRequest(file.url, credentials, { timeoutMs: 120_000 });
    if (!answer.ok || !answer.response.ok) {
      tried.push(`${index}: ${answer.ok ? `HTTP ${answer.response.status}` : answer.failure.kind === 'unreachable' ? answer.failure.reason : ''}`);
      if (answer.ok) await answer.response.body?.cancel();
      continue;
    }
    const bytes = new Uint8Array(await answer.response.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== wheel.sha256) {
      throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, `${wheel.file} from ${index} has sha256 ${sha256}, not the pinned ${wheel.sha256}`, {
        hint: 'the index serves a different file under that name: check the index, or set LAYER_CACHE_DIR to a cache that holds the pinned installer',
      });
    }
    return bytes;
  }
  const redactor = options.redactor ?? new Redactor();
  throw new LayerError(
    ErrorCodes.TOOL_NOT_INSTALLED,
    redactor.redact(`cannot install the pinned ${name} into the tool cache (${tried.join('; ')})`),
    {
      hint: `make ${wheel.file} reachable on the index (or pypi.org), or point LAYER_CACHE_DIR at a cache that already holds it`,
    },
  );
}

/** Unpacks the parts of the wheel the installer needs into `dir`. */
async function unpack(name: InstallerName, bytes: Uint8Array, dir: string): Promise<void> {
  // Loaded on first use: an installed installer is never unpacked again.
  const { unzipSync } = await import('fflate');
  const entries = unzipSync(bytes, {
    // pip: the package and its metadata; uv: only the binary (the Python shim is not needed).
    filter: (file) => (name === 'pip' ? !file.name.endsWith('/') : file.name.endsWith('.data/scripts/uv')),
  });
  for (const [path, content] of Object.entries(entries)) {
    const target = name === 'uv' ? join(dir, 'uv') : join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    if (name === 'uv') await chmod(target, 0o755);
  }
  if (name === 'uv' && !(await exists(join(dir, 'uv')))) {
    throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'the pinned uv wheel holds no uv binary', {
      hint: 'build again to download it afresh; if it fails again, report it with --debug output',
    });
  }
}

/** Removes unfinished installs older than ten minutes (a killed process never renamed them). */
async function removeStalePartials(toolsDir: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(toolsDir).catch(() => [] as string[])) {
    if (!entry.startsWith('.partial-')) continue;
    const info = await stat(join(toolsDir, entry)).catch(() => undefined);
    if (info && now - info.mtimeMs > 10 * 60_000) await rm(join(toolsDir, entry), { recursive: true, force: true });
  }
}

/**
 * The installer's folder in the tool cache, installing it first when it is not
 * there. Concurrent builds may both install; the first rename wins and the
 * other's copy is dropped.
 */
export async function ensureInstallerDir(name: InstallerName, options: EnsureInstallerOptions): Promise<string> {
  const dir = await installerDir(name, options.env);
  if (await exists(dir)) return dir;
  const spec = (await pinnedInstallers())[name];
  const key = name === 'uv' ? hostPlatformKey() : 'any';
  const wheel = spec.wheels[key];
  if (!wheel) {
    throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, `no pinned ${name} ${spec.version} for this host (${key})`, {
      hint: 'build on Linux or macOS (x86_64 or arm64), or with --container',
    });
  }
  const toolsDir = dirname(dir);
  await mkdir(toolsDir, { recursive: true });
  await removeStalePartials(toolsDir);
  (options.logger ?? silentLogger).detail(`installing ${name} ${spec.version} into the tool cache ${dir} (once)`);
  const bytes = await downloadWheel(name, wheel, options);
  const partial = join(toolsDir, `.partial-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await unpack(name, bytes, partial);
    await rename(partial, dir);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    // Another build finished the same install first: use it.
    if (await exists(dir)) return dir;
    throw error;
  }
  return dir;
}

export interface HostPython {
  command: string;
  version: string;
}

/** Whether a file is a program (ELF or Mach-O), not a script such as a pyenv or asdf shim. */
async function isProgram(path: string): Promise<boolean> {
  const handle = await open(await realpath(path), 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4) return false;
    const magic = buffer.readUInt32BE(0);
    return magic === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic);
  } finally {
    await handle.close();
  }
}

/**
 * Every `python3` and `python` on PATH, programs before scripts: a shim starts
 * a shell and its version manager on every call (~50-100 ms with pyenv), a
 * program does not. Found without running any of them.
 */
export async function pythonCandidates(env: ChildEnv): Promise<Array<{ path: string; program: boolean }>> {
  const found: Array<{ path: string; program: boolean }> = [];
  for (const name of ['python3', 'python']) {
    for (const path of await findAllOnPath(name, env)) found.push({ path, program: await isProgram(path) });
  }
  return [...found.filter((candidate) => candidate.program), ...found.filter((candidate) => !candidate.program)];
}

/**
 * A Python program for uv: `uv pip install --target` lays the folder out for
 * an interpreter (whatever its version: the target comes from
 * --python-version). Left to itself uv discovers one, which through a pyenv
 * shim costs more than the install; given a program, it reads what it needs
 * from its own cache. Undefined when PATH has no python3 program (uv then looks itself).
 */
export async function findPythonProgram(env: ChildEnv): Promise<string | undefined> {
  for (const path of await findAllOnPath('python3', env)) if (await isProgram(path)) return path;
  return undefined;
}

/** A host Python that runs the pinned pip (3.9 or newer), found on PATH. */
export async function findHostPython(env: ChildEnv, minimum: string): Promise<HostPython> {
  const [minMajor, minMinor] = minimum.split('.').map(Number) as [number, number];
  const seen: string[] = [];
  for (const { path: python } of await pythonCandidates(env)) {
    const result = await runTool(python, ['-I', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      env,
      redactor: new Redactor(),
      logger: silentLogger,
    }).catch(() => undefined);
    const version = result?.code === 0 ? result.output.trim() : undefined;
    if (!version) continue;
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major > minMajor || (major === minMajor && minor >= minMinor)) return { command: python, version };
    seen.push(`${python} is ${version}`);
  }
  throw new LayerError(
    ErrorCodes.TOOL_NOT_INSTALLED,
    `no Python ${minimum} or newer on PATH to run the pinned pip${seen.length ? ` (${seen.join(', ')})` : ''}`,
    {
      hint: `install Python ${minimum} or newer and put python3 on PATH (it runs the pinned pip), or build with --installer uv`,
    },
  );
}

/** The pinned pip, and the folder its packages (pip's vendored `packaging` among them) import from. */
export interface PinnedPip extends ToolCommand {
  libDir: string;
}

/** The pinned pip as a command: `python3 -I <cache>/tools/pip-25.3/pip`, run by `python` (found on PATH when not given). */
export async function ensurePinnedPip(options: EnsureInstallerOptions & { python?: HostPython | undefined }): Promise<PinnedPip> {
  const spec = (await pinnedInstallers()).pip;
  const [python, dir] = await Promise.all([
    options.python ?? findHostPython(options.env, spec.requiresPython ?? '3.9'),
    ensureInstallerDir('pip', options),
  ]);
  return { command: python.command, prefix: ['-I', join(dir, 'pip')], version: spec.version, pinned: true, libDir: dir };
}

/** The pinned uv binary. */
export async function ensurePinnedUv(options: EnsureInstallerOptions): Promise<ToolCommand> {
  const spec = (await pinnedInstallers()).uv;
  const dir = await ensureInstallerDir('uv', options);
  return { command: join(dir, 'uv'), prefix: [], version: spec.version };
}
