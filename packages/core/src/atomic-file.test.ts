import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles, tempFileOwner, tempPathFor, writeAtomically, writeFileAtomically } from './atomic-file.js';

const temp = useTempDir('atomic-', { each: true });
const temps = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.tmp')).sort();

describe('writeAtomically', () => {
  it('leaves the target untouched and no temp file when the write fails', async () => {
    const target = join(temp.path, 'layer.zip');
    await writeFile(target, 'previous');
    await expect(
      writeAtomically(target, async (path) => {
        await writeFile(path, 'half');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readFile(target, 'utf8')).toBe('previous');
    expect(await temps(temp.path)).toEqual([]);
  });

  it('replaces the target only when the write is complete, under a hidden temp name owned by this process', async () => {
    const target = join(temp.path, 'stamp.json');
    expect(tempPathFor(target)).toMatch(new RegExp(`/\\.stamp\\.json\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    await writeFileAtomically(target, '{}\n');
    expect(await readFile(target, 'utf8')).toBe('{}\n');
    expect(await temps(temp.path)).toEqual([]);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes the temp files and folders of dead processes only', async () => {
    const target = join(temp.path, 'layer.zip');
    await writeFile(join(temp.path, '.layer.zip.999999999.abcd1234.tmp'), 'dead');
    await writeFile(join(temp.path, `.layer.zip.${process.pid}.abcd1234.tmp`), 'alive');
    await writeFile(join(temp.path, '.other.999999999.abcd1234.tmp'), 'not ours');
    const folder = join(temp.path, '.artifacts.999999998.00ff00ff.tmp');
    await mkdir(join(folder, 'python', 'pkg'), { recursive: true });
    await writeFile(join(folder, 'python', 'pkg', 'a.py'), 'x');
    expect(await removeStaleTempFiles(target)).toEqual(['.layer.zip.999999999.abcd1234.tmp']);
    expect(await removeStaleTempFiles(join(temp.path, 'artifacts'))).toEqual(['.artifacts.999999998.00ff00ff.tmp']);
    expect(await temps(temp.path)).toEqual([`.layer.zip.${process.pid}.abcd1234.tmp`, '.other.999999999.abcd1234.tmp']);
  });
});

describe('tempFileOwner', () => {
  it("reads the writer's PID from a temporary name, of one target or of any", () => {
    const name = tempPathFor(join(temp.path, 'index.json')).slice(temp.path.length + 1);
    expect(tempFileOwner(name)).toBe(process.pid);
    expect(tempFileOwner(name, 'index.json')).toBe(process.pid);
    expect(tempFileOwner(name, 'layer.zip')).toBeUndefined();
    expect(tempFileOwner('index.json.123.tmp')).toBeUndefined();
  });
});
