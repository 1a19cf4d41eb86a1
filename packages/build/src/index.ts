export { buildLayer } from './build-layer.js';
export { BuildLayerCommand } from './build-layer-command.js';
export type { BuildLayerOptions, ValidatedBuildOptions } from './options.js';
export { validateBuildOptions } from './options.js';
export { targetPlatform, pipTargetArgs, uvTargetArgs, type TargetPlatform } from './platform.js';
export { containerBuildCommand, samBuildImage, type ContainerCommand, type ContainerCommandInput } from './container.js';
export { findLayerProblems, validateLayer, readElfMachine, type LayerProblem } from './validate.js';
export { readElfDynamicInfo, type ElfDynamicInfo, type ElfVersionNeed } from './elf.js';
export { normalizeInstalledTree, type NormalizeReport } from './reproducible.js';
export { diagnoseRequirements, explainPackage, type Diagnosis, type Refusal, type RequirementSpec } from './diagnose.js';
export { ensurePinnedPip, ensurePinnedUv, layerCacheDir, pinnedInstallers, type PinnedInstallers } from './installers.js';
export { listInstalled, packageList, type InstalledDistribution } from './installed.js';
// The stamps live in core, which package and upload read too.
export { readBuildStamp, type BuildStamp } from '@lambda-layer/core';
export { findPoetry, findUv, type ToolCommand } from './preflight.js';
