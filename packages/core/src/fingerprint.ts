import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ErrorCodes, LayerError } from './errors.js';
import { toLayerErrorFromSystem } from './system-errors.js';
import { type BuildTool, MANIFEST_HINTS, manifestFileName } from './tools.js';

/** MD5 hex digest of bytes: the manifest fingerprint (the original tool's choice, kept for compatibility). */
export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export interface FileDigest {
  hex: string;
  base64: string;
  bytes: number;
}

/** Streams a file through a hash, so large zips never sit in memory. What the system refuses is said in plain words. */
export async function hashFile(path: string, algorithm: 'md5' | 'sha256'): Promise<FileDigest> {
  const hash = createHash(algorithm);
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    throw toLayerErrorFromSystem(error, { path, doing: `read ${path}` }) ?? error;
  }
  const digest = hash.digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64'), bytes };
}

/** SHA-256 of a file; `base64` is the form Lambda reports as a layer version's CodeSha256. */
export function sha256File(path: string): Promise<FileDigest> {
  return hashFile(path, 'sha256');
}

export interface ManifestFingerprint {
  tool: BuildTool;
  path: string;
  fileName: string;
  content: Buffer;
  md5: string;
}

/** Reads a project's manifest and its MD5; a missing manifest is a clear error. */
export async function readManifest(manifestPath: string, tool: BuildTool): Promise<ManifestFingerprint> {
  let content: Buffer;
  try {
    content = await readFile(manifestPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LayerError(ErrorCodes.MANIFEST_NOT_FOUND, `manifest ${manifestFileName(tool)} not found at ${manifestPath}`, {
        hint: MANIFEST_HINTS[tool],
      });
    }
    // A folder named uv.lock, a file the user may not read: said in plain words.
    throw toLayerErrorFromSystem(error, { path: manifestPath, doing: `read ${manifestPath}` }) ?? error;
  }
  return { tool, path: manifestPath, fileName: manifestFileName(tool), content, md5: md5Hex(content) };
}
