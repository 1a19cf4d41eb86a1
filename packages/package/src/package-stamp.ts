/**
 * What decides the bytes of layer.zip besides the build it zips: the options
 * and the zip writer's format. Its digest is the package stamp's `input`; the
 * stamp itself (build digest, manifest MD5, the zip's SHA-256) is read and
 * compared in core (stamps.ts), which `layer upload` shares.
 */
import { createHash } from 'node:crypto';

/** Bump when the zip bytes for the same input would change (writer or format changes). */
export const ZIP_FORMAT_VERSION = 1;

export interface StampOptions {
  ignore: readonly string[];
  defaultIgnore: boolean;
  keepBytecode: boolean;
  compressionLevel: number;
}

export function inputFingerprint(options: StampOptions): string {
  const { ignore, defaultIgnore, keepBytecode, compressionLevel } = options;
  return createHash('sha256')
    .update(JSON.stringify({ format: ZIP_FORMAT_VERSION, ignore: [...ignore], defaultIgnore, keepBytecode, compressionLevel }))
    .digest('hex');
}
