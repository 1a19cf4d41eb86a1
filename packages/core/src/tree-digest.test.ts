import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, rename, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir, writeTree } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { InterruptReason } from './interrupt.js';
import { digestTree } from './tree-digest.js';

const temp = useTempDir('tree-digest-', { each: true });
const TREE = {
  'six.py': 'x = 1\n',
  'pkg/__init__.py': '',
  'pkg/core.py': 'def f():\n    return 42\n',
  'pkg-1.0.dist-info/RECORD': 'pkg/core.py,,\n',
};

describe('digestTree', () => {
  it('counts files and bytes, and is the same for a copy elsewhere with other times', async () => {
    const root = await writeTree(temp.path, TREE);
    const digest = await digestTree(root);
    expect(digest).toMatchObject({ files: 4, bytes: Object.values(TREE).reduce((sum, text) => sum + text.length, 0) });
    expect(digest.digest).toMatch(/^[0-9a-f]{64}$/);
    const copy = join(temp.path, 'restored', 'python');
    await cp(root, copy, { recursive: true });
    await utimes(join(copy, 'six.py'), new Date('2001-01-01'), new Date('2001-01-01'));
    expect(await digestTree(copy)).toEqual(digest);
  });

  it.each([
    ['a changed byte', (root: string) => writeFile(join(root, 'six.py'), 'x = 2\n')],
    ['a renamed file', (root: string) => rename(join(root, 'six.py'), join(root, 'seven.py'))],
    ['a missing file', (root: string) => import('node:fs/promises').then((fs) => fs.rm(join(root, 'pkg', 'core.py')))],
    ['an added empty folder', (root: string) => mkdir(join(root, 'empty'))],
    ['the executable bit', (root: string) => chmod(join(root, 'six.py'), 0o755)],
    ['an added link', (root: string) => symlink('six.py', join(root, 'link.py'))],
  ])('changes with %s', async (_, change) => {
    const root = await writeTree(temp.path, TREE);
    const before = await digestTree(root);
    await change(root);
    expect((await digestTree(root)).digest).not.toBe(before.digest);
  });

  it('refuses a FIFO by name instead of blocking on it', async () => {
    const root = await writeTree(temp.path, TREE);
    execFileSync('mkfifo', [join(root, 'pkg', 'pipe')]);
    await expect(digestTree(root, { displayRoot: 'artifacts/python' })).rejects.toMatchObject({
      code: ErrorCodes.SPECIAL_FILE,
      oneLine:
        'artifacts/python/pkg/pipe is a FIFO (named pipe): a layer holds only files, folders and links; remove it, then run `layer build` again',
    });
  });

  it('refuses a file name that is not UTF-8, showing its bytes', async () => {
    const root = await writeTree(temp.path, TREE);
    await writeFile(Buffer.concat([Buffer.from(join(root, 'pkg', 'caf')), Buffer.from([0xe9]), Buffer.from('.py')]), 'x');
    await expect(digestTree(root, { displayRoot: 'artifacts/python' })).rejects.toMatchObject({
      code: ErrorCodes.FILE_NAME_NOT_UTF8,
      message: 'the file name "caf\\xe9.py" in artifacts/python/pkg is not UTF-8',
    });
  });

  it('stops when its signal fires', async () => {
    const root = await writeTree(temp.path, TREE);
    const controller = new AbortController();
    controller.abort(new InterruptReason('SIGINT'));
    await expect(digestTree(root, { signal: controller.signal })).rejects.toBeInstanceOf(InterruptReason);
  });

  it('names a missing root in plain words', async () => {
    await expect(digestTree(join(temp.path, 'nope'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });
});
