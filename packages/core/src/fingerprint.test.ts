import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { md5Hex, readManifest, sha256File } from './fingerprint.js';

const temp = useTempDir('fingerprint-');

describe('fingerprints', () => {
  it('is the MD5 hex digest of the manifest bytes', async () => {
    await writeFile(join(temp.path, 'uv.lock'), 'version = 1\n');
    const manifest = await readManifest(join(temp.path, 'uv.lock'), 'uv');
    expect(manifest.md5).toBe(md5Hex('version = 1\n'));
    expect(manifest.md5).toBe('cc808ae631f69c053e71c7c80c6af086'); // python3 -c "import hashlib; print(hashlib.md5(b'version = 1\\n').hexdigest())"
    expect(manifest.fileName).toBe('uv.lock');
  });

  it('hashes a file to SHA-256 in hex and base64 (the CodeSha256 form)', async () => {
    await writeFile(join(temp.path, 'a.bin'), 'abc');
    const digest = await sha256File(join(temp.path, 'a.bin'));
    expect(digest.hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest.base64).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(digest.bytes).toBe(3);
    // What the system refuses is a one-line LayerError naming the path, never a raw errno error.
    await mkdir(join(temp.path, 'folder.zip'));
    await expect(sha256File(join(temp.path, 'folder.zip'))).rejects.toMatchObject({
      code: ErrorCodes.NOT_A_FILE,
      message: expect.stringContaining('folder.zip'),
    });
    await expect(sha256File(join(temp.path, 'missing.zip'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });

  it('says how to create a missing manifest', async () => {
    await expect(readManifest(join(temp.path, 'poetry.lock'), 'poetry')).rejects.toMatchObject({
      code: ErrorCodes.MANIFEST_NOT_FOUND,
      hint: 'run `poetry lock` in the project folder',
    });
  });
});
