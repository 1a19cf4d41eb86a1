import type { BuildResult } from '@lambda-layer/core';
import { toolCacheEnv } from '@lambda-layer/testing';
import { buildLayer } from '../build-layer.js';
import type { BuildLayerOptions } from '../options.js';

/** The environment the build tests run the tools in: this machine's, with the shared tool caches. */
export const testEnv: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };

/** `buildLayer` as the build tests call it: `--yes`, `testEnv`, for Python 3.12 on x86_64 unless `options` names another target. */
export function testBuild(options: Pick<BuildLayerOptions, 'projectDir' | 'tool'> & Partial<BuildLayerOptions>): Promise<BuildResult> {
  return buildLayer({ pythonVersion: '3.12', architecture: 'x86_64', yes: true, env: testEnv, ...options });
}
