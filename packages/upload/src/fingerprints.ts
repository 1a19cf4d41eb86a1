import { stat } from 'node:fs/promises';
import { type BuildTool, type FileDigest, readManifest, sha256File } from '@lambda-layer/core';

/** The two fingerprints publish relies on, plus the zip's size. */
export interface LayerZipFingerprints {
  /** MD5 hex of the manifest's bytes (the original tool's fingerprint). */
  manifestMd5: string;
  /** Base64 SHA-256 of layer.zip: the form Lambda reports as a version's CodeSha256. */
  zipSha256: string;
  zipBytes: number;
}

/**
 * The zip's SHA-256 by file identity (device, inode, size, modification time): an
 * upload to several regions runs once per region in one process, and hashes a
 * layer.zip of up to 250 MB once, not once per region. `layer package` renames a
 * new file into place, so a new zip has a new identity and is hashed again.
 */
const zipDigests = new Map<string, Promise<FileDigest>>();
const ZIP_DIGESTS_KEPT = 8;

async function zipSha256(zipPath: string): Promise<FileDigest> {
  const facts = await stat(zipPath, { bigint: true }).catch(() => undefined);
  // A zip that cannot be read is left to sha256File, whose error says why in one line.
  if (!facts) return sha256File(zipPath);
  const key = [zipPath, facts.dev, facts.ino, facts.size, facts.mtimeNs].join('\0');
  let digest = zipDigests.get(key);
  if (!digest) {
    digest = sha256File(zipPath);
    zipDigests.set(key, digest);
    digest.catch(() => zipDigests.delete(key));
    const oldest = zipDigests.keys().next().value;
    if (zipDigests.size > ZIP_DIGESTS_KEPT && oldest !== undefined) zipDigests.delete(oldest);
  }
  return digest;
}

/** Reads the manifest and streams the zip through SHA-256, both at once. */
export async function computeFingerprints(manifestPath: string, tool: BuildTool, zipPath: string): Promise<LayerZipFingerprints> {
  const [manifest, zip] = await Promise.all([readManifest(manifestPath, tool), zipSha256(zipPath)]);
  return { manifestMd5: manifest.md5, zipSha256: zip.base64, zipBytes: zip.bytes };
}
