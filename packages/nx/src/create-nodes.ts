import { readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { isBuildTool, loadPyprojectConfig, localLayout } from '@lambda-layer/core';
import type { CreateNodesContext, CreateNodesResult, CreateNodesV2 } from '@nx/devkit';
import { type LambdaLayerPluginOptions, type NormalizedPluginOptions, normalizeOptions } from './options.js';
import { projectNameFor } from './project-name.js';
import { inferLayerTargets } from './targets.js';

export const PYPROJECT_GLOB = '**/pyproject.toml';

/** Nx reads a plugin's name from its module; without it Nx 21 tries to add one to our (frozen) ES module namespace and crashes. */
export const PLUGIN_NAME = '@lambda-layer/nx';

/** `build/lambda/layer/`: build copies pyproject.toml into it (repo/), and that copy is no project of its own. */
const BUILD_DIR_SEGMENT = (() => {
  const layout = localLayout('/project');
  return `${relative(layout.projectDir, layout.buildDir).split(sep).join(posix.sep)}/`;
})();

/** Whether a pyproject.toml lies in some project's build folder (when the user's .gitignore does not hide it from Nx). */
export function isInBuildDir(pyprojectFile: string): boolean {
  const path = pyprojectFile.split(sep).join(posix.sep);
  return path.startsWith(BUILD_DIR_SEGMENT) || path.includes(`/${BUILD_DIR_SEGMENT}`);
}

/** A cheap first look: most pyproject.toml files are not ours, and one we cannot parse must not break the graph. */
function mentionsLayerSection(text: string): boolean {
  return text.includes('lambda-layer');
}

/**
 * The project node of one pyproject.toml, or nothing when it has no
 * `[tool.lambda-layer]` section. A broken file (bad TOML, an unknown key, a
 * wrong type) throws core's one-line error naming the file.
 */
export async function createLayerProjectNode(
  pyprojectFile: string,
  options: NormalizedPluginOptions,
  context: CreateNodesContext,
): Promise<CreateNodesResult> {
  if (isInBuildDir(pyprojectFile)) return {};
  const projectRoot = dirname(pyprojectFile);
  const absoluteRoot = join(context.workspaceRoot, projectRoot);
  // Synchronous: a small file, and fs/promises' file-handle round trips cost more than the read (profiled).
  const text = readFileSync(join(context.workspaceRoot, pyprojectFile), 'utf8');
  if (!mentionsLayerSection(text)) return {};

  const config = await loadPyprojectConfig(absoluteRoot, { required: true });
  const tool = config.document.tool as Record<string, unknown> | undefined;
  if (!tool || !Object.prototype.hasOwnProperty.call(tool, 'lambda-layer')) return {};

  const configuredTool = isBuildTool(config.values.tool) ? config.values.tool : undefined;
  const name = await projectNameFor(absoluteRoot, config.document, context.workspaceRoot);
  return {
    projects: {
      [projectRoot]: {
        root: projectRoot,
        name,
        targets: inferLayerTargets(configuredTool, options, context.workspaceRoot),
      },
    },
  };
}

/** Where a skipped project's reason goes: stderr of the Nx command (or the daemon's log when the daemon computes the graph). */
export type WarningPrinter = (line: string) => void;
const printWarning: WarningPrinter = (line) => void process.stderr.write(`${line}\n`);

/** The one line that says why a project has no layer targets, and how to fix it. */
export function skippedProjectWarning(pyprojectFile: string, error: unknown): string {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `[${PLUGIN_NAME}] skipped ${pyprojectFile}: ${reason} (fix the file; the other projects keep their layer targets)`;
}

/**
 * The nodes of every matching pyproject.toml. One broken file must not break
 * the whole project graph: it is skipped with a warning naming the file and
 * the error, and every other project keeps its targets.
 */
export async function createLayerNodes(
  pyprojectFiles: readonly string[],
  options: LambdaLayerPluginOptions | undefined,
  context: CreateNodesContext,
  warn: WarningPrinter = printWarning,
): Promise<Array<readonly [string, CreateNodesResult]>> {
  const normalized = normalizeOptions(options);
  const settled = await Promise.allSettled(pyprojectFiles.map((file) => createLayerProjectNode(file, normalized, context)));
  // Warnings in file order, not in the order the reads finished: the same output on every run.
  return settled.map((outcome, index) => {
    const file = pyprojectFiles[index] as string;
    if (outcome.status === 'fulfilled') return [file, outcome.value] as const;
    warn(skippedProjectWarning(file, outcome.reason));
    return [file, {}] as const;
  });
}

/** The Nx plugin entry: infers the layer targets for every pyproject.toml with `[tool.lambda-layer]`. */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- Nx 21 (still supported) has CreateNodes as the v1 shape; CreateNodesV2 is this shape from 21 on
export const createNodes: CreateNodesV2<LambdaLayerPluginOptions> = [
  PYPROJECT_GLOB,
  (files, options, context) => createLayerNodes(files, options, context),
];

/** The same entry under its older name: Nx 21 looks for `createNodesV2`; Nx 22 and later read `createNodes` first. */
export const createNodesV2 = createNodes;
