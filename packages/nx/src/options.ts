/** Options of the plugin, set in nx.json: `{ "plugin": "@lambda-layer/nx", "options": { … } }`. */
export interface LambdaLayerPluginOptions {
  /**
   * Prefix of the inferred target names (default `layer-`: layer-build,
   * layer-package, layer-upload, layer-publish).
   */
  targetPrefix?: string;
  /**
   * How the targets run the `layer` CLI, run from the workspace root (default
   * `npx --no -- layer`: the bin of @lambda-layer/cli installed in the
   * workspace; `--no` so npx never downloads an unrelated package called
   * "layer" when the CLI is missing). E.g. `pnpm exec layer` or `yarn layer`.
   */
  command?: string;
}

export interface NormalizedPluginOptions {
  targetPrefix: string;
  command: string;
}

export const DEFAULT_TARGET_PREFIX = 'layer-';
export const DEFAULT_LAYER_COMMAND = 'npx --no -- layer';

export function normalizeOptions(options: LambdaLayerPluginOptions | undefined): NormalizedPluginOptions {
  const command = options?.command?.trim();
  return {
    targetPrefix: options?.targetPrefix ?? DEFAULT_TARGET_PREFIX,
    command: command ? command : DEFAULT_LAYER_COMMAND,
  };
}
