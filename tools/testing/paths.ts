import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** The Python tools venv made by tools/setup-tools.mjs. */
export const toolsBin = join(repoRoot, '.tools', 'venv', 'bin');
/** Real wheels for the loopback index. */
export const wheelCacheDir = join(repoRoot, '.cache', 'wheels');
/**
 * The tests' LAYER_CACHE_DIR: the pinned pip and uv, installed once from the
 * loopback index by the global setup, so builds in tests never reach pypi.org.
 */
export const layerCacheDir = join(repoRoot, '.cache', 'lambda-layer');
/** The built `layer` bin. */
export const layerBin = join(repoRoot, 'packages', 'cli', 'bin', 'layer.js');

/** Finds an executable: the tools venv first, then PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [toolsBin, ...path.split(delimiter)]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
