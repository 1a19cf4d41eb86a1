import { describe, expect, it } from 'vitest';
import { formatLayerVersion, layerZipMetadata, readManifestMd5, s3Layout } from './s3-layout.js';

describe('S3 layout', () => {
  it('places the zip and the per-version manifests under {s3dir}layer/', () => {
    const layout = s3Layout('s3://bucket/app/lambda/', 'uv');
    expect(layout.layerZip.uri).toBe('s3://bucket/app/lambda/layer/layer.zip');
    expect(layout.manifestForVersion(3).uri).toBe('s3://bucket/app/lambda/layer/000003/uv.lock');
    expect(s3Layout('s3://bucket/x', 'pip').manifestForVersion(123456).uri).toBe('s3://bucket/x/layer/123456/requirements.txt');
    expect(s3Layout('s3://bucket/', 'poetry').manifestForVersion(1).key).toBe('layer/000001/poetry.lock');
  });

  it('zero-pads versions to 6 digits and rejects impossible ones', () => {
    expect(formatLayerVersion(1)).toBe('000001');
    expect(() => formatLayerVersion(0)).toThrow(RangeError);
    expect(() => formatLayerVersion(1.5)).toThrow(RangeError);
    expect(() => formatLayerVersion(1_000_000)).toThrow(RangeError);
  });

  it('writes both manifest md5 keys and reads the hyphenated one first', () => {
    const metadata = layerZipMetadata('abc', 'sha=');
    expect(metadata).toEqual({ 'manifest-md5': 'abc', manifest_md5: 'abc', 'layer-zip-sha256': 'sha=' });
    expect(readManifestMd5({ manifest_md5: 'old' })).toBe('old');
    expect(readManifestMd5({ 'manifest-md5': 'new', manifest_md5: 'old' })).toBe('new');
    expect(readManifestMd5({})).toBeUndefined();
    expect(readManifestMd5(undefined)).toBeUndefined();
  });
});
