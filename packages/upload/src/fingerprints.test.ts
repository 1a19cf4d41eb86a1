import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes } from '@lambda-layer/core';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { computeFingerprints } from './fingerprints.js';

const temp = useTempDir('upload-fp-');

describe('computeFingerprints', () => {
  it('gives the manifest MD5 (hex) and the zip SHA-256 (base64, Lambda CodeSha256 form) and size', async () => {
    const manifest = join(temp.path, 'requirements.txt');
    const zip = join(temp.path, 'layer.zip');
    const zipBytes = randomBytes(3 * 1024 * 1024 + 7);
    await writeFile(manifest, 'requests==2.32.3\n');
    await writeFile(zip, zipBytes);
    const fingerprints = await computeFingerprints(manifest, 'pip', zip);
    expect(fingerprints).toEqual({
      manifestMd5: createHash('md5').update('requests==2.32.3\n').digest('hex'),
      zipSha256: createHash('sha256').update(zipBytes).digest('base64'),
      zipBytes: zipBytes.length,
    });
  });

  it('fails in one line when the manifest is missing', async () => {
    await writeFile(join(temp.path, 'other.zip'), 'x');
    await expect(computeFingerprints(join(temp.path, 'poetry.lock'), 'poetry', join(temp.path, 'other.zip'))).rejects.toMatchObject({
      code: ErrorCodes.MANIFEST_NOT_FOUND,
    });
  });
});
