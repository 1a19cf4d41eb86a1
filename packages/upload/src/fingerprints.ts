import { type BuildTool, readManifest, sha256File } from '@lambda-layer/core';

/** The two fingerprints publish relies on, plus the zip's size. */
export interface LayerZipFingerprints {
  /** MD5 hex of the manifest's bytes (the original tool's fingerprint). */
  manifestMd5: string;
  /** Base64 SHA-256 of layer.zip: the form Lambda reports as a version's CodeSha256. */
  zipSha256: string;
  zipBytes: number;
}

/** Reads the manifest and streams the zip through SHA-256, both at once. */
export async function computeFingerprints(manifestPath: string, tool: BuildTool, zipPath: string): Promise<LayerZipFingerprints> {
  const [manifest, zip] = await Promise.all([readManifest(manifestPath, tool), sha256File(zipPath)]);
  return { manifestMd5: manifest.md5, zipSha256: zip.base64, zipBytes: zip.bytes };
}
