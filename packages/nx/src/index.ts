// The Nx plugin (createNodes), its init generator and the pieces they are made of.
export {
  createNodes,
  createNodesV2,
  createLayerNodes,
  createLayerProjectNode,
  skippedProjectWarning,
  PYPROJECT_GLOB,
  PLUGIN_NAME,
  PLUGIN_NAME as name,
  type WarningPrinter,
} from './create-nodes.js';
export { normalizeOptions, DEFAULT_TARGET_PREFIX, type LambdaLayerPluginOptions, type NormalizedPluginOptions } from './options.js';
export {
  inferLayerTargets,
  layerCommand,
  manifestInputs,
  toolVersionsInput,
  targetName,
  CLI_PACKAGE,
  LAYER_STEPS,
  BUILD_CONFIG_KEYS,
  PACKAGE_CONFIG_KEYS,
  type LayerStep,
} from './targets.js';
export { projectNameFor } from './project-name.js';
export { initGenerator, BUILD_DIR_GITIGNORE, type InitGeneratorOptions } from './generators/init/init.js';
