import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryLogger, localLayout } from '@lambda-layer/core';
import { builtProject, stampBuild, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { FileCompressedCache, pieceKey } from './compressed-cache.js';
import { packageLayer } from './index.js';

const temp = useTempDir('compressed-cache-');

/** A built project whose artifacts/python/pkg holds `modules` modules of a few KiB. */
const project = (modules = 5) =>
  builtProject(temp.path, Object.fromEntries(Array.from({ length: modules }, (_, i) => [`pkg/m${i}.py`, `value = ${i}\n`.repeat(2000)])));

describe('the compressed-bytes cache', () => {
  it('re-packages from the cache with identical bytes, deflating only what changed', async () => {
    const dir = await project();
    const first = await packageLayer({ projectDir: dir });
    const bytes = await readFile(first.zipPath);

    const logger = createMemoryLogger();
    const again = await packageLayer({ projectDir: dir, force: true, logger });
    expect((await readFile(again.zipPath)).equals(bytes)).toBe(true);
    expect(logger.lines.some((line) => /reused 5 compressed pieces \(.+\) from the last run; deflated 0$/.test(line))).toBe(true);

    await writeFile(join(localLayout(dir).pythonDir, 'pkg', 'm2.py'), 'changed = True\n'.repeat(500));
    await stampBuild(dir, 'uv');
    const changedLogger = createMemoryLogger();
    const changed = await packageLayer({ projectDir: dir, logger: changedLogger });
    expect(changedLogger.lines.some((line) => /reused 4 compressed pieces .* deflated 1$/.test(line))).toBe(true);
    // The same bytes as packaging without any cache.
    const uncached = await packageLayer({ projectDir: dir, force: true, cache: false });
    expect(uncached.sha256).toEqual(changed.sha256);
    // Only one blob: the cache holds the last run's pieces, not every run's.
    expect((await readdir(join(localLayout(dir).buildDir, '.package-cache'))).filter((n) => n.startsWith('blob-'))).toHaveLength(1);
  });

  it('ignores a cache from another zlib or a broken index', async () => {
    const dir = await mkdtemp(join(temp.path, 'cache-'));
    const cache = await FileCompressedCache.open(dir);
    const key = pieceKey(6, true, undefined, Buffer.from('data'));
    cache.put(key, Buffer.from('deflated'));
    await cache.commit();
    const reopened = await FileCompressedCache.open(dir);
    expect(reopened.get(key, 100)).toEqual(Buffer.from('deflated'));
    await reopened.discard();

    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    await writeFile(join(dir, 'index.json'), JSON.stringify({ ...index, zlib: 'other' }));
    const foreign = await FileCompressedCache.open(dir);
    expect(foreign.get(key, 100)).toBeUndefined();
    await foreign.discard();
    await writeFile(join(dir, 'index.json'), '{not json');
    const broken = await FileCompressedCache.open(dir);
    expect(broken.get(key, 100)).toBeUndefined();
    await broken.discard();
  });

  it('keys pieces by level, position and dictionary as well as content', () => {
    const data = Buffer.from('x');
    const keys = new Set([
      pieceKey(6, true, undefined, data),
      pieceKey(9, true, undefined, data),
      pieceKey(6, false, undefined, data),
      pieceKey(6, true, Buffer.from('d'), data),
    ]);
    expect(keys.size).toBe(4);
  });

  it('a run stopped mid-write leaves the previous cache as it was, and the next run reuses all of it', async () => {
    const dir = await project(40);
    const layout = localLayout(dir);
    const first = await packageLayer({ projectDir: dir });
    const cacheDir = join(layout.buildDir, '.package-cache');
    const cacheBefore = await snapshot(cacheDir);
    const zipBefore = await readFile(first.zipPath);

    // Aborts once the writer has written its first piece: the rest of the zip (and of the new blob) is never written.
    const controller = new AbortController();
    const logger = createMemoryLogger();
    const progress = logger.progress.bind(logger);
    logger.progress = (label, total, unit) => {
      const bar = progress(label, total, unit);
      return { update: (done) => (done > 0 ? controller.abort() : bar.update(done)), finish: (summary) => bar.finish(summary) };
    };
    await expect(packageLayer({ projectDir: dir, force: true, logger, signal: controller.signal })).rejects.toMatchObject({
      code: 'E_INTERRUPTED',
    });
    expect(await snapshot(cacheDir)).toEqual(cacheBefore);
    expect((await readFile(layout.layerZip)).equals(zipBefore)).toBe(true);

    const again = createMemoryLogger();
    await packageLayer({ projectDir: dir, force: true, logger: again });
    expect(again.lines.some((line) => /reused 40 compressed pieces \(.+\) from the last run; deflated 0$/.test(line))).toBe(true);
  });
});

/** Every file of a folder with its bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) files[name] = (await readFile(join(dir, name))).toString('base64');
  return files;
}
