import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localLayout } from '@lambda-layer/core';
import { builtProject, repoRoot, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { packageLayer } from './index.js';

const temp = useTempDir('atomic-');

const blobs = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('blob-'));
const tempFiles = async (dir: string) => (await readdir(dir)).filter((name) => /^\.layer\.zip\..*\.tmp$/.test(name));

describe('a packaging run killed midway', () => {
  it('leaves the previous layer.zip intact, and the next run cleans up and packages', async () => {
    // ~48 MB that deflate at level 9 works on for a while (base64 of random bytes).
    const blobFiles = Array.from(
      { length: 24 },
      (_, i) => [`blob${String(i).padStart(2, '0')}.txt`, randomBytes(1_500_000).toString('base64')] as const,
    );
    const dir = await builtProject(temp.path, Object.fromEntries(blobFiles));
    const layout = localLayout(dir);
    const previous = await packageLayer({ projectDir: dir, compressionLevel: 1 });
    const previousBytes = await readFile(previous.zipPath);
    const cacheIndex = join(layout.packageCache, 'index.json');
    const previousCacheIndex = await readFile(cacheIndex, 'utf8');
    const previousBlobs = await blobs(layout.packageCache);

    const script = join(dir, 'run-package.mts');
    const entry = join(fileURLToPath(new URL('.', import.meta.url)), 'index.ts');
    await writeFile(
      script,
      `import { packageLayer } from ${JSON.stringify(entry)};\nawait packageLayer({ projectDir: ${JSON.stringify(dir)}, compressionLevel: 9, force: true });\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));

    // Kill it once the temp zip holds data: mid-write.
    const deadline = Date.now() + 30_000;
    let killedMidway = false;
    while (Date.now() < deadline) {
      const temps = await tempFiles(layout.buildDir);
      const size = temps[0] ? ((await stat(join(layout.buildDir, temps[0])).catch(() => undefined))?.size ?? 0) : 0;
      if (size > 1024 * 1024) {
        child.kill('SIGKILL');
        killedMidway = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(killedMidway, `the child never wrote its temp zip: ${stderr}`).toBe(true);
    expect(await exited).toBe('SIGKILL');

    expect((await readFile(layout.layerZip)).equals(previousBytes)).toBe(true);
    expect(await tempFiles(layout.buildDir)).toHaveLength(1);
    // The stamp still names the previous zip, so upload would still send exactly that one.
    expect((JSON.parse(await readFile(layout.packageStamp, 'utf8')) as { zip: { sha256Hex: string } }).zip.sha256Hex).toBe(previous.sha256.hex);
    // The compressed cache still is the previous run's; the killed run's blob lies beside it, named by no index.
    expect(await readFile(cacheIndex, 'utf8')).toBe(previousCacheIndex);
    const afterKill = await blobs(layout.packageCache);
    expect(afterKill).toHaveLength(2);
    expect(afterKill).toEqual(expect.arrayContaining(previousBlobs));

    const next = await packageLayer({ projectDir: dir, compressionLevel: 1, force: true });
    expect(next.sha256).toEqual(previous.sha256);
    expect(await tempFiles(layout.buildDir)).toEqual([]);
    // The next run's cache replaced both: one blob, the one its index names.
    const [blob] = await blobs(layout.packageCache);
    expect(await blobs(layout.packageCache)).toHaveLength(1);
    expect((JSON.parse(await readFile(cacheIndex, 'utf8')) as { blob: string }).blob).toBe(blob);
  });
});
