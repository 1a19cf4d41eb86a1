import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCodes, LayerError } from './errors.js';

/** The Python dependency tools a layer can be built with. */
export const BUILD_TOOLS = ['pip', 'poetry', 'uv'] as const;
export type BuildTool = (typeof BUILD_TOOLS)[number];

/** Who installs the locked wheels: the tool's own pinned pip or uv (the build image's pip with --container). */
export type Installer = 'pip' | 'uv';

/** The manifest: the lock file that is the dependencies' source of truth, per tool. */
export const MANIFEST_FILE_NAMES: Readonly<Record<BuildTool, string>> = {
  pip: 'requirements.txt',
  poetry: 'poetry.lock',
  uv: 'uv.lock',
};

/** How to create the manifest when it is missing. */
export const MANIFEST_HINTS: Readonly<Record<BuildTool, string>> = {
  pip: 'write requirements.txt with pinned versions (for example `pip freeze > requirements.txt` or `pip-compile`)',
  poetry: 'run `poetry lock` in the project folder',
  uv: 'run `uv lock` in the project folder',
};

/** The files a tool needs in the project folder to build, manifest last. */
export const REQUIRED_PROJECT_FILES: Readonly<Record<BuildTool, readonly string[]>> = {
  pip: ['requirements.txt'],
  poetry: ['pyproject.toml', 'poetry.lock'],
  uv: ['pyproject.toml', 'uv.lock'],
};

export function isBuildTool(value: unknown): value is BuildTool {
  return typeof value === 'string' && (BUILD_TOOLS as readonly string[]).includes(value);
}

export function parseBuildTool(value: unknown): BuildTool {
  if (isBuildTool(value)) return value;
  throw new LayerError(ErrorCodes.UNKNOWN_TOOL, `unknown build tool ${JSON.stringify(value)}`, {
    hint: `use one of ${BUILD_TOOLS.join(', ')} (--tool or tool = "…" in [tool.lambda-layer])`,
  });
}

export function manifestFileName(tool: BuildTool): string {
  return MANIFEST_FILE_NAMES[tool];
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tool of a project whose settings name none: the one whose manifest is in
 * the project folder. None or more than one is an error asking for --tool,
 * since guessing between two lock files could fingerprint the wrong one.
 */
export async function detectBuildTool(projectDir: string): Promise<BuildTool> {
  const dir = resolve(projectDir);
  const found: BuildTool[] = [];
  for (const tool of BUILD_TOOLS) if (await fileExists(join(dir, manifestFileName(tool)))) found.push(tool);
  const names = BUILD_TOOLS.map(manifestFileName).join(', ');
  if (found.length === 1) return found[0] as BuildTool;
  if (found.length === 0) {
    throw new LayerError(ErrorCodes.MANIFEST_NOT_FOUND, `no manifest (${names}) found in ${dir}, so the build tool is unknown`, {
      hint: 'run in the project folder (or pass --project-dir), or create the lock file, or pass --tool',
    });
  }
  throw new LayerError(ErrorCodes.TOOL_AMBIGUOUS, `cannot tell the build tool: ${found.map(manifestFileName).join(' and ')} are both in ${dir}`, {
    hint: `pass --tool ${found.join('|')} or add tool = "…" to [tool.lambda-layer] in pyproject.toml`,
    details: { key: 'tool', candidates: found },
  });
}
