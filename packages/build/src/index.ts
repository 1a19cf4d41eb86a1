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
export { credentialsFromEnv, indexUrlWithCredentials, type IndexCredentials } from './index-credentials.js';
export { redact, Redactor } from './redact.js';
export {
  AMAZON_LINUX_2,
  AMAZON_LINUX_2023,
  cpythonTag,
  LAMBDA_PYTHON_RUNTIMES,
  lambdaPythonRuntime,
  targetGlibc,
  wheelMachine,
  type LambdaOperatingSystem,
  type LambdaPythonRuntime,
  type MajorMinor,
} from './lambda-runtimes.js';
// The stamps live in core, which package and upload read too.
export { readBuildStamp, type BuildStamp } from '@lambda-layer/core';
export { findPoetry, findUv, type ToolCommand } from './preflight.js';
export { readLockedInstallSet, type ReadLockOptions } from './locks/read-lock.js';
export { readUvLock, parseUvLock, type UvLock } from './locks/uv-lock.js';
export { readPoetryLock, parsePoetryLock, hasLockedGroupsAndMarkers, type PoetryLock } from './locks/poetry-lock.js';
export { uvLockFreshness, poetryLockFreshness, assertLockFresh, type LockFreshness } from './locks/lock-freshness.js';
export {
  formatInstallRequirement,
  formatInstallRequirements,
  refuseLocalSources,
  type LockedFile,
  type LockedInstallSet,
  type LockedPackage,
  type LockTarget,
  type PackageSource,
} from './locks/locked-package.js';
export { evaluateMarker, parseMarker, MarkerSyntaxError, type MarkerEnvironment } from './locks/marker.js';
export { targetMarkerEnvironment } from './markers.js';
export { lockPinnedSet, requirementsPinnedSet, pinnedCount, type InstallGroup, type PinnedSet } from './pinned-set.js';
