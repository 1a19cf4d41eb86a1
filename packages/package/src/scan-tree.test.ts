import { realpath, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir, writeTree } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { BYTECODE_RULE, type ExclusionSettings, loadExclusionRules } from './exclusions.js';
import { scanTree } from './scan-tree.js';

const temp = useTempDir('scan-tree-');

const tree = (files: Record<string, string>) => writeTree(temp.path, files, 'python-');
const defaults: ExclusionSettings = { ignore: [], defaultIgnore: true, keepBytecode: false };
const scan = async (dir: string, settings = defaults) => scanTree(dir, await loadExclusionRules(dir, settings));

describe('scanTree', () => {
  it('lists entries sorted under python/, counting what each rule left out', async () => {
    const dir = await tree({
      'six.py': 'x = 1\n',
      'zeta/__init__.py': '',
      'alpha/__init__.py': 'a',
      'alpha/__pycache__/__init__.cpython-312.pyc': '1234',
      'boto3/__init__.py': '12345678',
      'boto3-1.0.dist-info/METADATA': '12',
    });
    const result = await scan(dir);
    expect(result.entries.map((e) => e.name)).toEqual([
      'python/',
      'python/alpha/',
      'python/alpha/__init__.py',
      'python/six.py',
      'python/zeta/',
      'python/zeta/__init__.py',
    ]);
    expect(result.files).toBe(3);
    expect(result.unzippedBytes).toBe(7);
    expect(result.excluded).toEqual([
      { name: 'boto3', files: 2, bytes: 10 },
      { name: BYTECODE_RULE, files: 1, bytes: 4 },
    ]);
  });

  it('stores a symlink inside the tree as the file or folder it points to', async () => {
    const dir = await tree({ 'real/data.txt': 'payload', 'real/sub/x.py': 'x' });
    await symlink('real/data.txt', join(dir, 'link.txt'));
    await symlink(join(dir, 'real', 'sub'), join(dir, 'linkdir'));
    const result = await scan(dir);
    const link = result.entries.find((e) => e.name === 'python/link.txt');
    expect(link).toMatchObject({ directory: false, size: 7, source: join(await realpath(dir), 'real', 'data.txt') });
    expect(result.entries.map((e) => e.name)).toContain('python/linkdir/x.py');
  });

  it('fails on a symlink pointing outside the tree, unless an exclusion leaves it out', async () => {
    const outside = await tree({ 'secret.txt': 'outside' });
    const dir = await tree({ 'ok.py': '' });
    await symlink(join(outside, 'secret.txt'), join(dir, 'escape.txt'));
    await expect(scan(dir)).rejects.toMatchObject({ code: 'E_SYMLINK_OUTSIDE_TREE', message: expect.stringContaining('python/escape.txt') });
    await expect(scan(dir, { ...defaults, ignore: ['escape.txt'] })).resolves.toMatchObject({ files: 1 });
  });

  it('fails on a symlink loop and on a broken symlink', async () => {
    const loop = await tree({ 'pkg/a.py': '' });
    await symlink('..', join(loop, 'pkg', 'up'));
    await expect(scan(loop)).rejects.toMatchObject({ code: 'E_SYMLINK_BROKEN', message: expect.stringContaining('loop') });
    const broken = await tree({});
    await symlink('missing.txt', join(broken, 'dangling'));
    await expect(scan(broken)).rejects.toMatchObject({ code: 'E_SYMLINK_BROKEN', message: expect.stringContaining('broken symlink') });
  });
});
