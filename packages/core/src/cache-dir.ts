import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder of lambda-layer's own cache (the pinned installers, the CLI's
 * rendered help): $LAYER_CACHE_DIR, else the platform's user cache folder.
 */
export function layerCacheDir(env: Record<string, string | undefined>): string {
  if (env.LAYER_CACHE_DIR) return env.LAYER_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'lambda-layer');
  const home = env.HOME ?? homedir();
  return process.platform === 'darwin' ? join(home, 'Library', 'Caches', 'lambda-layer') : join(home, '.cache', 'lambda-layer');
}
