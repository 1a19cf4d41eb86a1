import { ErrorCodes, LayerError } from './errors.js';

/** The Python dependency tools a layer can be built with. */
export const BUILD_TOOLS = ['pip', 'poetry', 'uv'] as const;
export type BuildTool = (typeof BUILD_TOOLS)[number];

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
