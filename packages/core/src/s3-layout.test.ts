import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { formatLayerVersion, s3Layout } from './s3-layout.js';

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
    for (const impossible of [0, 1.5, 1_000_000]) {
      expect(() => formatLayerVersion(impossible)).toThrow(expect.objectContaining({ code: ErrorCodes.LAYER_VERSION_UNSUPPORTED }));
    }
  });
});
