import { createHash, randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
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

  it('gives the same fingerprints to every region and hashes a zip renamed into place again', async () => {
    const manifest = join(temp.path, 'requirements.txt');
    const zip = join(temp.path, 'regions.zip');
    await writeFile(manifest, 'six==1.17.0\n');
    await writeFile(zip, 'first zip');
    const regions = await Promise.all([computeFingerprints(manifest, 'pip', zip), computeFingerprints(manifest, 'pip', zip)]);
    expect(regions[1]).toEqual(regions[0]);
    expect(regions[0].zipSha256).toBe(createHash('sha256').update('first zip').digest('base64'));
    // What `layer package` does: a new file renamed over layer.zip, here of the same size.
    await writeFile(`${zip}.tmp`, 'other zip');
    await rename(`${zip}.tmp`, zip);
    expect((await computeFingerprints(manifest, 'pip', zip)).zipSha256).toBe(createHash('sha256').update('other zip').digest('base64'));
  });
});
