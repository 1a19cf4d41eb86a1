import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuildTool,
  ErrorCodes,
  LayerError,
  type LocalLayout,
  MANIFEST_HINTS,
  REQUIRED_PROJECT_FILES,
  Redactor,
  silentLogger,
} from '@lambda-layer/core';
import { type ChildEnv, findOnPath, runTool } from './run-tool.js';

export const INSTALL_HINTS = {
  python: 'install Python 3 with pip (python3 -m ensurepip), or put it on PATH',
  uv: 'install uv (`pip install uv`, or see https://docs.astral.sh/uv/getting-started/installation/)',
  poetry: 'install Poetry and its export plugin (`pipx install poetry && poetry self add poetry-plugin-export`)',
  docker: 'install Docker and start its daemon, or build without --container',
} as const;

/** A program the build runs: the executable and the arguments before its own (`python3 -m pip`). */
export interface ToolCommand {
  command: string;
  prefix: string[];
  version: string;
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
  if (!result || result.code !== 0) return undefined;
  return result.output.trim().split('\n')[0];
}

/** A distribution's version from the interpreter's metadata: ~70 ms, where `pip --version` imports pip (~270 ms). */
const VERSION_OF = 'import importlib.metadata as m, importlib.util as u, sys; n = sys.argv[1]; u.find_spec(n) or sys.exit(1); print(m.version(n))';

/** The host Python's pip: pip and Poetry builds install with it. */
export async function findPip(env: ChildEnv): Promise<ToolCommand> {
  for (const name of ['python3', 'python']) {
    const python = await findOnPath(name, env);
    if (!python) continue;
    const version = await versionOf(python, ['-c', VERSION_OF, 'pip'], env);
    if (version) return { command: python, prefix: ['-m', 'pip'], version };
  }
  throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'pip was not found (python3 -m pip)', { hint: INSTALL_HINTS.python });
}

export async function findUv(env: ChildEnv): Promise<ToolCommand> {
  const uv = await findOnPath('uv', env);
  const version = uv ? await versionOf(uv, ['--version'], env) : undefined;
  if (!uv || !version) throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'uv was not found on PATH', { hint: INSTALL_HINTS.uv });
  return { command: uv, prefix: [], version: /^uv (\S+)/.exec(version)?.[1] ?? version };
}

export async function findPoetry(env: ChildEnv): Promise<ToolCommand> {
  const poetry = await findOnPath('poetry', env);
  // `poetry --version` boots Poetry (~600 ms); its interpreter (the script's shebang) reads the version in ~70 ms.
  const interpreter = poetry ? /^#!(\S+python[\d.]*)\s*$/m.exec((await readFile(poetry, 'utf8').catch(() => '')).split('\n')[0] ?? '')?.[1] : undefined;
  const quick = interpreter ? await versionOf(interpreter, ['-c', VERSION_OF, 'poetry'], env) : undefined;
  const version = quick ?? (poetry ? /version ([^\s)]+)/.exec((await versionOf(poetry, ['--version'], { ...env, POETRY_NO_INTERACTION: '1' })) ?? '')?.[1] : undefined);
  if (!poetry || !version) throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'Poetry was not found on PATH', { hint: INSTALL_HINTS.poetry });
  return { command: poetry, prefix: [], version };
}

export async function findDocker(env: ChildEnv): Promise<ToolCommand> {
  const docker = await findOnPath('docker', env);
  if (!docker) throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'docker was not found on PATH (--container needs it)', { hint: INSTALL_HINTS.docker });
  const version = await versionOf(docker, ['--version'], env);
  return { command: docker, prefix: [], version: /version ([^\s,]+)/.exec(version ?? '')?.[1] ?? 'unknown' };
}

/** The programs a build needs, by tool: the tool itself, and the installer it hands the export to. */
export interface BuildTools {
  /** The tool the user chose (its version goes in the result). */
  tool: ToolCommand;
  /** Who installs the wheels on the host: pip for pip and Poetry, uv for uv. */
  installer: ToolCommand;
  /** Host pip: builds pure-Python sdists into wheels. */
  pip: ToolCommand | undefined;
  docker: ToolCommand | undefined;
}

export async function findBuildTools(tool: BuildTool, env: ChildEnv, container: boolean): Promise<BuildTools> {
  // The version probes start Python or Poetry (a few hundred ms each): run them side by side.
  // Docker first: without it a container build needs nothing else, and that is the error to show.
  const docker = container ? await findDocker(env) : undefined;
  const [pip, own] = await Promise.all([
    // uv needs pip only to build a pure-Python sdist, so it looks for it then (see requirePip);
    // a container build installs with the image's pip.
    tool === 'uv' ? undefined : container ? findPip(env).catch(() => undefined) : findPip(env),
    tool === 'uv' ? findUv(env) : tool === 'poetry' ? findPoetry(env) : undefined,
  ]);
  if (tool === 'pip') {
    const inImage: ToolCommand = { command: 'pip', prefix: [], version: 'from the build image' };
    return { tool: pip ?? inImage, installer: pip ?? inImage, pip, docker };
  }
  if (tool === 'uv') return { tool: own as ToolCommand, installer: own as ToolCommand, pip, docker };
  return { tool: own as ToolCommand, installer: pip as ToolCommand, pip, docker };
}
