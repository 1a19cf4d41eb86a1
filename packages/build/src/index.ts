export { buildLayer } from './build-layer.js';
export { BuildLayerCommand } from './build-layer-command.js';
export type { BuildLayerOptions, ValidatedBuildOptions } from './options.js';
export { validateBuildOptions } from './options.js';
export { targetPlatform, pipTargetArgs, uvTargetArgs, type TargetPlatform } from './platform.js';
export { containerBuildCommand, samBuildImage, type ContainerCommand, type ContainerCommandInput } from './container.js';
export { findLayerProblems, validateLayer, readElfMachine, type LayerProblem } from './validate.js';
export { listInstalled, packageList, type InstalledDistribution } from './installed.js';
// The stamps live in core, which package and upload read too.
export { readBuildStamp, type BuildStamp } from '@lambda-layer/core';
