/** Options of the plugin, set in nx.json: `{ "plugin": "@lambda-layer/nx", "options": { … } }`. */
export interface LambdaLayerPluginOptions {
  /**
   * Prefix of the inferred target names (default `layer-`: layer-build,
   * layer-package, layer-upload, layer-publish).
   */
  targetPrefix?: string;
  /**
   * How the targets run the `layer` CLI, from the workspace root. Default: the
   * bin of the @lambda-layer/cli this plugin depends on, run with node, so it
   * works the same under npm, pnpm and Yarn. E.g. `pnpm exec layer`.
   */
  command?: string;
}

export interface NormalizedPluginOptions {
  targetPrefix: string;
  /** The command, or undefined for the default (the resolved bin of @lambda-layer/cli). */
  command: string | undefined;
}

export const DEFAULT_TARGET_PREFIX = 'layer-';

export function normalizeOptions(options: LambdaLayerPluginOptions | undefined): NormalizedPluginOptions {
  const command = options?.command?.trim();
  return {
    targetPrefix: options?.targetPrefix ?? DEFAULT_TARGET_PREFIX,
    command: command === '' ? undefined : command,
  };
}
