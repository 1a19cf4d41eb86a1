import type { BuildResult } from '@lambda-layer/core';
import { BuildLayerCommand } from './build-layer-command.js';
import { type BuildLayerOptions, validateBuildOptions } from './options.js';

/**
 * Step 1: installs the project's locked dependencies into
 * build/lambda/layer/artifacts/python/ for the target Lambda runtime, with
 * pip, Poetry or uv (or inside the SAM build image with `container`).
 * Returns status 'unchanged' when the manifest, tool and target match the last build.
 */
export function buildLayer(options: BuildLayerOptions): Promise<BuildResult> {
  return new BuildLayerCommand(validateBuildOptions(options)).run();
}
