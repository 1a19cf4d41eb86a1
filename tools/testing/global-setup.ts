/**
 * Vitest global setup: one moto server and one loopback package index for the
 * whole run, handed to the test workers with `provide` (workers read them in
 * setup-env.ts). Both stop when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { ensureInstallerDir } from '../../packages/build/src/installers.js';
import { startMotoServer } from './moto-server.js';
import { startPackageIndex } from './package-index.js';
import { layerCacheDir, wheelCacheDir } from './paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    packageIndexUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [moto, index] = await Promise.all([startMotoServer(), startPackageIndex({ dirs: [wheelCacheDir] })]);
  // The pinned pip and uv, installed the way a build installs them, from the loopback index (once: later runs find them).
  const seed = { env: { ...process.env, LAYER_CACHE_DIR: layerCacheDir }, credentials: { indexUrl: index.url } };
  await Promise.all([ensureInstallerDir('pip', seed), ensureInstallerDir('uv', seed)]);
  project.provide('awsEndpoint', moto.endpoint);
  project.provide('packageIndexUrl', index.url);
  return async () => {
    await Promise.all([moto.stop(), index.close()]);
  };
}
