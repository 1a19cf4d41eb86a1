import { posix, relative, sep } from 'node:path';
import { BUILD_TOOLS, type BuildTool, cacheInputKeys, configEnvName, type ConfigKey, localLayout, manifestFileName } from '@lambda-layer/core';
import type { TargetConfiguration } from '@nx/devkit';
import type { NormalizedPluginOptions } from './options.js';
import { hasLockFile, layerBinPath, shellWord, toolVersionsScriptPath, workspacePath } from './workspace-paths.js';

/** The pipeline's steps, in order; each target depends on the one before. */
export const LAYER_STEPS = ['build', 'package', 'upload', 'publish'] as const;
export type LayerStep = (typeof LAYER_STEPS)[number];

/** The npm package whose command the targets run: its version (and its dependencies') is part of the cache key, no other npm package is. */
export const CLI_PACKAGE = '@lambda-layer/cli';

/**
 * The settings that change what build writes, as core's schema marks them
 * (`cacheInput: 'build'`). Not `force`/`yes` (they change whether work is
 * redone, not its result), not the index credentials (secrets; they change
 * access, not the result, and are no config keys).
 */
export const BUILD_CONFIG_KEYS: readonly ConfigKey[] = cacheInputKeys('build');
/** The settings that change what package writes from the same artifacts (`cacheInput: 'package'`). */
export const PACKAGE_CONFIG_KEYS: readonly ConfigKey[] = cacheInputKeys('package');

/** core's local layout as workspace-relative Nx paths, so the outputs never drift from what the steps write. */
let layoutPathsOnce: ReturnType<typeof computeLayoutPaths> | undefined;
const layoutPaths = () => (layoutPathsOnce ??= computeLayoutPaths());
function computeLayoutPaths(): { artifacts: string; buildStamp: string; layerZip: string; packageStamp: string } {
  const layout = localLayout('/project');
  const rel = (path: string) => `{projectRoot}/${relative(layout.projectDir, path).split(sep).join(posix.sep)}`;
  return {
    artifacts: rel(layout.artifactsDir),
    buildStamp: rel(layout.buildStamp),
    layerZip: rel(layout.layerZip),
    packageStamp: rel(layout.packageStamp),
  };
}

/**
 * The manifests a build reads: the configured tool's, or all three when the
 * tool is not set in pyproject.toml (it may come from --tool or LAYER_TOOL at
 * run time, and hashing a missing file costs nothing).
 */
export function manifestInputs(tool: BuildTool | undefined): string[] {
  return toolsOf(tool).map((t) => `{projectRoot}/${manifestFileName(t)}`);
}

function toolsOf(tool: BuildTool | undefined): readonly BuildTool[] {
  return tool ? [tool] : BUILD_TOOLS;
}

const envInputs = (keys: readonly ConfigKey[]) => keys.map((key) => ({ env: configEnvName(key) }));

export function targetName(step: LayerStep, options: NormalizedPluginOptions): string {
  return `${options.targetPrefix}${step}`;
}

/** How the targets run `layer`: the configured command, else node on the CLI's bin, named relative to the workspace. */
export function layerCommand(options: NormalizedPluginOptions, workspaceRoot: string): string {
  return options.command ?? `node ${shellWord(workspacePath(layerBinPath(), workspaceRoot))}`;
}

/** The runtime input that fingerprints the Python tools a build with this tool runs (uv, Poetry, pip). */
export function toolVersionsInput(tool: BuildTool | undefined, workspaceRoot: string): { runtime: string } {
  return { runtime: `node ${shellWord(workspacePath(toolVersionsScriptPath(), workspaceRoot))} ${toolsOf(tool).join(' ')}` };
}

/**
 * The four inferred targets of one project.
 *
 * Caching: build and package are pure functions of their inputs: the lock file,
 * pyproject.toml (and so its `[tool.lambda-layer]` settings), the LAYER_*
 * variables, the Python tools' versions, the installed @lambda-layer/cli (with
 * its dependencies) and the target's own args, which Nx always hashes. Naming
 * the CLI in `externalDependencies` keeps every other npm package out of the
 * key: without it Nx hashes all of them, and adding an unrelated JS dependency
 * to the workspace would rebuild every layer. (A workspace without a lock file
 * has no npm packages in Nx's graph, so nothing to name.) package's inputs are build's
 * inputs plus its own settings rather than a hash of the thousands of
 * installed files: same key, far cheaper to compute.
 *
 * upload and publish are never cached: their effect is on S3 and Lambda, state
 * Nx cannot see. A cache hit would mean "skip", which is wrong as soon as the
 * S3 object or the layer changed behind Nx's back (another branch uploaded to
 * the same s3dir, a bucket rule deleted it, another AWS account via
 * AWS_PROFILE), and a remote cache would skip them on machines that never ran
 * them. They need no cache to be fast: each checks the remote state itself
 * (upload compares the object's fingerprints, publish the latest version's
 * manifest) and returns "unchanged" in one or two API calls.
 */
export function inferLayerTargets(
  tool: BuildTool | undefined,
  options: NormalizedPluginOptions,
  workspaceRoot: string,
): Record<string, TargetConfiguration> {
  const paths = layoutPaths();
  const command = layerCommand(options, workspaceRoot);
  const run = (step: LayerStep) => ({
    executor: 'nx:run-commands',
    options: { command: `${command} ${step} --project-dir {projectRoot}` },
  });
  const buildInputs = [
    '{projectRoot}/pyproject.toml',
    ...manifestInputs(tool),
    ...envInputs(BUILD_CONFIG_KEYS),
    toolVersionsInput(tool, workspaceRoot),
    ...(hasLockFile(workspaceRoot) ? [{ externalDependencies: [CLI_PACKAGE] }] : []),
  ];
  const technologies = ['python', 'aws-lambda'];
  return {
    [targetName('build', options)]: {
      ...run('build'),
      cache: true,
      inputs: buildInputs,
      outputs: [paths.artifacts, paths.buildStamp],
      metadata: { technologies, description: 'Install the locked dependencies into build/lambda/layer/artifacts/python/' },
    },
    [targetName('package', options)]: {
      ...run('package'),
      dependsOn: [targetName('build', options)],
      cache: true,
      inputs: [...buildInputs, ...envInputs(PACKAGE_CONFIG_KEYS)],
      outputs: [paths.layerZip, paths.packageStamp],
      metadata: { technologies, description: 'Zip the installed dependencies into build/lambda/layer/layer.zip' },
    },
    [targetName('upload', options)]: {
      ...run('upload'),
      dependsOn: [targetName('package', options)],
      cache: false,
      metadata: { technologies, description: "Upload layer.zip to the s3dir's layer/layer.zip (the CLI skips it when S3 already holds that zip)" },
    },
    [targetName('publish', options)]: {
      ...run('publish'),
      dependsOn: [targetName('upload', options)],
      cache: false,
      metadata: {
        technologies,
        description: 'Publish a layer version from the uploaded zip when the manifest changed (run alone with --exclude-task-dependencies)',
      },
    },
  };
}
