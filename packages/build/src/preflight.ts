import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildTool, ErrorCodes, LayerError, type LocalLayout, MANIFEST_HINTS, REQUIRED_PROJECT_FILES, silentLogger } from '@lambda-layer/core';
import { findHostPython, findPythonProgram, type HostPython, type InstallerName, pinnedInstallers } from './installers.js';
import { Redactor } from './redact.js';
import { type ChildEnv, findOnPath, runTool } from './run-tool.js';

export const INSTALL_HINTS = {
  uv: 'install uv (`pip install uv`, or see https://docs.astral.sh/uv/getting-started/installation/)',
  poetry: 'install Poetry (`pipx install poetry`): it locks; the build reads poetry.lock itself',
  docker: 'install Docker and start its daemon, or build without --container',
} as const;

/** A program the build runs: the executable and the arguments before its own (`python3 -m pip`). */
export interface ToolCommand {
  command: string;
  prefix: string[];
  version: string;
  /** The pinned installer from the tool cache (installed on first use), not a program found on PATH. */
  pinned?: boolean;
}

/** Every file the tool needs is in the project folder; a missing one is an error saying how to make it. */
export async function checkProjectFiles(layout: LocalLayout, tool: BuildTool): Promise<string[]> {
  const paths: string[] = [];
  for (const name of REQUIRED_PROJECT_FILES[tool]) {
    const path = join(layout.projectDir, name);
    try {
      await access(path);
    } catch {
      const isManifest = name === REQUIRED_PROJECT_FILES[tool].at(-1);
      throw new LayerError(
        isManifest ? ErrorCodes.MANIFEST_NOT_FOUND : ErrorCodes.PYPROJECT_NOT_FOUND,
        `${name} not found in ${layout.projectDir} (the ${tool} build needs it)`,
        { hint: isManifest ? MANIFEST_HINTS[tool] : 'run in the folder holding pyproject.toml or pass --project-dir' },
      );
    }
    paths.push(path);
  }
  return paths;
}

async function versionOf(command: string, args: string[], env: ChildEnv): Promise<string | undefined> {
  const result = await runTool(command, args, { env, redactor: new Redactor(), logger: silentLogger }).catch(() => undefined);
  if (result?.code !== 0) return undefined;
  return result.output.trim().split('\n')[0];
}

/** A distribution's version from the interpreter's metadata: ~70 ms, where `poetry --version` boots Poetry (~600 ms). */
const VERSION_OF = 'import importlib.metadata as m, importlib.util as u, sys; n = sys.argv[1]; u.find_spec(n) or sys.exit(1); print(m.version(n))';

export async function findUv(env: ChildEnv): Promise<ToolCommand> {
  const uv = await findOnPath('uv', env);
  const version = uv ? await versionOf(uv, ['--version'], env) : undefined;
  if (!uv || !version) throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'uv was not found on PATH', { hint: INSTALL_HINTS.uv });
  return { command: uv, prefix: [], version: /^uv (\S+)/.exec(version)?.[1] ?? version };
}

export async function findPoetry(env: ChildEnv): Promise<ToolCommand> {
  const poetry = await findOnPath('poetry', env);
  // `poetry --version` boots Poetry (~600 ms); its interpreter (the script's shebang) reads the version in ~70 ms.
  const interpreter = poetry
    ? /^#!(\S+python[\d.]*)\s*$/m.exec((await readFile(poetry, 'utf8').catch(() => '')).split('\n')[0] ?? '')?.[1]
    : undefined;
  const quick = interpreter ? await versionOf(interpreter, ['-c', VERSION_OF, 'poetry'], env) : undefined;
  const version =
    quick ??
    (poetry ? /version ([^\s)]+)/.exec((await versionOf(poetry, ['--version'], { ...env, POETRY_NO_INTERACTION: '1' })) ?? '')?.[1] : undefined);
  if (!poetry || !version) throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'Poetry was not found on PATH', { hint: INSTALL_HINTS.poetry });
  return { command: poetry, prefix: [], version };
}

export async function findDocker(env: ChildEnv): Promise<ToolCommand> {
  const docker = await findOnPath('docker', env);
  if (!docker)
    throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'docker was not found on PATH (--container needs it)', { hint: INSTALL_HINTS.docker });
  const version = await versionOf(docker, ['--version'], env);
  return { command: docker, prefix: [], version: /version ([^\s,]+)/.exec(version ?? '')?.[1] ?? 'unknown' };
}

/** Who installs the wheels, and at which pinned version (pinned-installers.json). */
export interface InstallerChoice {
  name: InstallerName;
  version: string;
}

/**
 * The programs a build runs. The lock is read by the build itself (no uv or
 * Poetry), so there are only the pinned installer and what runs it.
 */
export interface BuildTools {
  /** The pinned uv or pip (installed into the tool cache on first use); pip in a container. */
  installer: InstallerChoice;
  /** The host Python that runs the pinned pip (pip on the host). */
  python: HostPython | undefined;
  /** The Python program uv lays a --target folder out for (uv; undefined: uv finds one itself). */
  uvPython: string | undefined;
  docker: ToolCommand | undefined;
}

/**
 * What a build needs to run, found without starting anything but Docker and
 * (for pip) the host Python: the installers' versions are pinned, so none is
 * asked for its version.
 */
export async function findBuildTools(installer: InstallerName, env: ChildEnv, container: boolean): Promise<BuildTools> {
  // Docker first: without it a container build needs nothing else, and that is the error to show.
  const docker = container ? await findDocker(env) : undefined;
  const pinned = await pinnedInstallers();
  const choice = { name: installer, version: pinned[installer].version };
  if (container) return { installer: choice, python: undefined, uvPython: undefined, docker };
  if (installer === 'uv') return { installer: choice, python: undefined, uvPython: await findPythonProgram(env), docker };
  return { installer: choice, python: await findHostPython(env, pinned.pip.requiresPython ?? '3.9'), uvPython: undefined, docker };
}
