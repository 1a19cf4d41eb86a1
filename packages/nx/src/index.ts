export { createNodes, createNodesV2, createLayerProjectNode, PYPROJECT_GLOB } from './create-nodes.js';
export { normalizeOptions, DEFAULT_LAYER_COMMAND, DEFAULT_TARGET_PREFIX, type LambdaLayerPluginOptions, type NormalizedPluginOptions } from './options.js';
export { inferLayerTargets, manifestInputs, targetName, LAYER_STEPS, BUILD_CONFIG_KEYS, PACKAGE_CONFIG_KEYS, type LayerStep } from './targets.js';
export { projectNameFor } from './project-name.js';
