import { describe, expect, it } from 'vitest';
import { layerCacheDir } from './cache-dir.js';

describe('layerCacheDir', () => {
  it('puts the cache under LAYER_CACHE_DIR, else XDG_CACHE_HOME, else the home folder', () => {
    expect(layerCacheDir({ LAYER_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(layerCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/lambda-layer');
    expect(layerCacheDir({ HOME: '/home/me' })).toBe(
      process.platform === 'darwin' ? '/home/me/Library/Caches/lambda-layer' : '/home/me/.cache/lambda-layer',
    );
  });
});
