import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, LayerError } from './errors.js';
import { errnoName, escapeFileName, fileNameNotUtf8, isSystemError, isUtf8FileName, toLayerErrorFromSystem } from './system-errors.js';

const temp = useTempDir('system-errors-');

/** The error a real fs call rejects with. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('toLayerErrorFromSystem', () => {
  it('says a folder stands where a file should, naming the path', async () => {
    const folder = join(temp.path, 'requirements.txt');
    await mkdir(folder, { recursive: true });
    // A read through a file handle carries no path: the caller names it.
    const error = toLayerErrorFromSystem(await failure(readFile(folder)), { path: folder });
    expect(error).toMatchObject({
      code: ErrorCodes.NOT_A_FILE,
      oneLine: `${folder} is a folder, not a file; remove or rename that folder and put the file there`,
    });
    expect(error?.details).toMatchObject({ errno: 'EISDIR', path: folder });
  });

  it('says a file stands where a folder should', async () => {
    const file = join(temp.path, 'plain');
    await writeFile(file, 'x');
    const error = toLayerErrorFromSystem(await failure(readdir(file)));
    expect(error).toMatchObject({ code: ErrorCodes.NOT_A_FOLDER, message: `${file} is not a folder (it, or a part of its path, is a file)` });
  });

  it('names a missing path and what was being done', async () => {
    const missing = join(temp.path, 'nope.lock');
    const error = toLayerErrorFromSystem(await failure(readFile(missing)), { doing: 'read the manifest' });
    expect(error?.message).toBe(`${missing} does not exist (while trying to read the manifest)`);
    expect(error?.code).toBe(ErrorCodes.FILE_NOT_FOUND);
  });

  // Root ignores file modes and a full disk needs a small file system: the catalogue test
  // (packages/cli/src/faults) provokes both for real; here the mapping is fed the errors Node gives.
  it.each([
    [
      { code: 'EACCES', errno: -13, syscall: 'open', path: '/p/layer.zip' },
      ErrorCodes.PERMISSION_DENIED,
      'permission denied: cannot open /p/layer.zip; check the owner and permissions of /p/layer.zip (ls -ld), or run as a user allowed to change it',
    ],
    [
      { code: 'EPERM', errno: -1, syscall: 'unlink', path: '/p/x' },
      ErrorCodes.PERMISSION_DENIED,
      'permission denied: cannot remove /p/x; check the owner and permissions of /p/x (ls -ld), or run as a user allowed to change it',
    ],
    [
      { code: 'EROFS', errno: -30, syscall: 'mkdir', path: '/ro/build' },
      ErrorCodes.READ_ONLY_FILE_SYSTEM,
      'read-only file system: cannot create the folder /ro/build; run in a writable folder, or remount the file system read-write',
    ],
    [
      { code: 'EMFILE', errno: -24, syscall: 'open', path: '/p/a.py' },
      ErrorCodes.TOO_MANY_OPEN_FILES,
      'too many open files (while trying to open /p/a.py); raise the open-file limit (ulimit -n 4096) and run again',
    ],
    [
      { code: 'EIO', errno: -5, syscall: 'read', message: 'EIO: i/o error, read' },
      ErrorCodes.SYSTEM_ERROR,
      'cannot read: i/o error (EIO); run again with --debug for details',
    ],
  ])('maps %o', (error, code, oneLine) => {
    expect(toLayerErrorFromSystem(error)).toMatchObject({ code, oneLine });
  });

  it('says the disk is full, where, and how much was needed when known', () => {
    const error = toLayerErrorFromSystem(
      { code: 'ENOSPC', errno: -28, syscall: 'write' },
      { path: '/p/build/lambda/layer/layer.zip', bytesNeeded: 3 * 1024 * 1024 },
    );
    expect(error?.oneLine).toBe(
      'disk full: no space left on the device holding /p/build/lambda/layer/layer.zip (about 3.0 MiB needed); free space there (df -h /p/build/lambda/layer) and run again',
    );
    expect(error?.code).toBe(ErrorCodes.DISK_FULL);
  });

  it('leaves other errors alone and passes LayerErrors through', () => {
    expect(toLayerErrorFromSystem(new TypeError('x'))).toBeUndefined();
    expect(toLayerErrorFromSystem({ code: 'ERR_INVALID_ARG_TYPE' })).toBeUndefined();
    const own = new LayerError(ErrorCodes.INTERNAL, 'x');
    expect(toLayerErrorFromSystem(own)).toBe(own);
    expect(isSystemError({ code: 'ENOENT', syscall: 'open' })).toBe(true);
  });

  it('knows the errno numbers a child process prints', () => {
    expect(errnoName(28)).toBe('ENOSPC');
    expect(errnoName(13)).toBe('EACCES');
  });
});

describe('file names that are not UTF-8', () => {
  it('are shown with the bad bytes escaped', () => {
    const name = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x79]); // "caf\xe9.py" in Latin-1
    expect(isUtf8FileName(name)).toBe(false);
    expect(isUtf8FileName(Buffer.from('café.py'))).toBe(true);
    expect(escapeFileName(name)).toBe('caf\\xe9.py');
    expect(fileNameNotUtf8('artifacts/python/pkg', name).oneLine).toBe(
      'the file name "caf\\xe9.py" in artifacts/python/pkg is not UTF-8; rename or remove it: a layer.zip holds UTF-8 names only (`ls -b` shows the name, `mv` with a glob renames it)',
    );
  });
});
