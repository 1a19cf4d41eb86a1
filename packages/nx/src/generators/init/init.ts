import type { Tree } from '@nx/devkit';
import { PLUGIN_NAME } from '../../create-nodes.js';
import { DEFAULT_TARGET_PREFIX, type LambdaLayerPluginOptions } from '../../options.js';

/** The options of `nx g @lambda-layer/nx:init` (schema.json beside this file). */
export interface InitGeneratorOptions {
  targetPrefix?: string;
  include?: string[];
  exclude?: string[];
  command?: string;
  skipGitignore?: boolean;
}

/** One entry of nx.json's `plugins`. */
type PluginEntry = string | { plugin: string; options?: LambdaLayerPluginOptions; include?: string[]; exclude?: string[] };

/**
 * Where the layers' build folders are ignored: `**` because the Python projects
 * live anywhere in the workspace (a pattern with a slash is otherwise anchored
 * to the root).
 */
export const BUILD_DIR_GITIGNORE = '**/build/lambda/layer/';

function isOurs(entry: PluginEntry): boolean {
  return (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME;
}

/** The plugin entry the options ask for, keeping what an earlier registration set and these options leave out. */
function pluginEntry(options: InitGeneratorOptions, existing: PluginEntry | undefined): PluginEntry {
  const before = typeof existing === 'object' ? existing : { plugin: PLUGIN_NAME };
  const pluginOptions: LambdaLayerPluginOptions = {
    ...before.options,
    targetPrefix: options.targetPrefix ?? before.options?.targetPrefix ?? DEFAULT_TARGET_PREFIX,
    ...(options.command ? { command: options.command } : {}),
  };
  const include = options.include?.length ? options.include : before.include;
  const exclude = options.exclude?.length ? options.exclude : before.exclude;
  return { plugin: PLUGIN_NAME, options: pluginOptions, ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
}

function readJson<T>(tree: Tree, path: string, fallback: T): T {
  const text = tree.read(path, 'utf-8');
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}): fix it, then run \`nx g ${PLUGIN_NAME}:init\` again`);
  }
}

/** Registers the plugin once (updating its options on a re-run) in nx.json. */
export function registerPlugin(tree: Tree, options: InitGeneratorOptions): void {
  const nxJson = readJson<{ plugins?: PluginEntry[] } & Record<string, unknown>>(tree, 'nx.json', {});
  const plugins = nxJson.plugins ?? [];
  const index = plugins.findIndex(isOurs);
  const entry = pluginEntry(options, index >= 0 ? plugins[index] : undefined);
  if (index >= 0) plugins[index] = entry;
  else plugins.push(entry);
  tree.write('nx.json', `${JSON.stringify({ ...nxJson, plugins }, null, 2)}\n`);
}

export function ignoreBuildFolders(tree: Tree): void {
  const text = tree.read('.gitignore', 'utf-8') ?? '';
  if (text.split(/\r?\n/).some((line) => line.trim() === BUILD_DIR_GITIGNORE)) return;
  const before = text === '' ? '' : text.endsWith('\n') ? `${text}\n` : `${text}\n\n`;
  tree.write('.gitignore', `${before}# lambda-layer build folders (installed packages, layer.zip)\n${BUILD_DIR_GITIGNORE}\n`);
}

/**
 * `nx add @lambda-layer/nx` / `nx g @lambda-layer/nx:init`: registers the
 * plugin in nx.json, so every pyproject.toml (within the include/exclude
 * globs) with a `[tool.lambda-layer]` section gets the layer targets.
 * It installs nothing: @lambda-layer/cli comes with the plugin, and the plugin
 * needs no @nx/devkit at run time, so no package can end up on another Nx
 * major than the workspace's nx.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a throw arrives as a rejection, as Nx and the tests await it
export async function initGenerator(tree: Tree, options: InitGeneratorOptions): Promise<void> {
  registerPlugin(tree, options);
  if (!options.skipGitignore) ignoreBuildFolders(tree);
}

export default initGenerator;
