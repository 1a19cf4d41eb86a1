import { readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { isBuildTool, loadPyprojectConfig, localLayout } from '@lambda-layer/core';
import type { CreateNodes, CreateNodesContext, CreateNodesResult } from '@nx/devkit';
// The one value we need from Nx, taken from the nx module that defines it (nx exports `./src/*`)
// rather than from @nx/devkit or nx's plugin index: Nx loads a plugin in a fresh worker process,
// and there @nx/devkit costs ~450 ms of module loading and the plugin index ~250 ms, this file ~10 ms
// (measured with --cpu-prof and `require` timings; see tools/bench/workspace.bench.ts).
import { createNodesFromFiles } from 'nx/src/project-graph/plugins/utils';
import { normalizeOptions, type LambdaLayerPluginOptions, type NormalizedPluginOptions } from './options.js';
import { projectNameFor } from './project-name.js';
import { inferLayerTargets } from './targets.js';

export const PYPROJECT_GLOB = '**/pyproject.toml';

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
 * `[tool.lambda-layer]` section. A broken section (bad TOML, an unknown key, a
 * wrong type) is core's one-line error naming the file, reported by Nx.
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
        targets: inferLayerTargets(configuredTool, options),
      },
    },
  };
}

/** The Nx plugin entry: infers the layer targets for every pyproject.toml with `[tool.lambda-layer]`. */
export const createNodes: CreateNodes<LambdaLayerPluginOptions> = [
  PYPROJECT_GLOB,
  (files, options, context) => {
    const normalized = normalizeOptions(options);
    return createNodesFromFiles((file, _options, ctx) => createLayerProjectNode(file, normalized, ctx), files, options, context);
  },
];

/** The same entry under its older name: older Nx versions look for `createNodesV2`; newer Nx versions read `createNodes` first. */
export const createNodesV2 = createNodes;
