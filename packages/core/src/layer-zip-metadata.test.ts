import { describe, expect, it } from 'vitest';
import { layerZipFactsOf, layerZipMetadata, readManifestMd5 } from './layer-zip-metadata.js';

describe('the layer.zip metadata contract', () => {
  it('writes both manifest md5 keys and reads the hyphenated one first', () => {
    const metadata = layerZipMetadata('abc', 'sha=');
    expect(metadata).toEqual({ 'manifest-md5': 'abc', manifest_md5: 'abc', 'layer-zip-sha256': 'sha=' });
    expect(readManifestMd5({ manifest_md5: 'old' })).toBe('old');
    expect(readManifestMd5({ 'manifest-md5': 'new', manifest_md5: 'old' })).toBe('new');
    expect(readManifestMd5({})).toBeUndefined();
    expect(readManifestMd5(undefined)).toBeUndefined();
  });

  it("reads one HeadObject answer into the zip's facts", () => {
    const head = { ContentLength: 10, ETag: '"e"', Metadata: layerZipMetadata('abc', 'sha=') };
    expect(layerZipFactsOf(head)).toEqual({ bytes: 10, manifestMd5: 'abc', zipSha256: 'sha=', etag: '"e"' });
    expect(layerZipFactsOf({ Metadata: { manifest_md5: 'old' } })).toEqual({
      bytes: undefined,
      manifestMd5: 'old',
      zipSha256: undefined,
      etag: undefined,
    });
  });
});
