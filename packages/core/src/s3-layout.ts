import { ErrorCodes, LayerError } from './errors.js';
import { S3Path } from './s3-path.js';
import { type BuildTool, manifestFileName } from './tools.js';

/** Zero-pads a layer version to 6 digits: 3 -> "000003". */
export function formatLayerVersion(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version > 999_999) {
    // The S3 layout (shared with the Python original) names a version's folder with 6 digits.
    throw new LayerError(
      ErrorCodes.LAYER_VERSION_UNSUPPORTED,
      `layer version ${version} cannot be stored in the S3 layout, which names versions 000001 to 999999`,
      {
        hint: 'publish under a new layer name (--layer-name): its versions start again at 1',
        details: { version },
      },
    );
  }
  return String(version).padStart(6, '0');
}

/**
 * The S3 layout under `s3dir`, shared with the Python original:
 * `{s3dir}layer/layer.zip` and `{s3dir}layer/{version:06d}/{manifest}`.
 */
export interface S3Layout {
  s3dir: S3Path;
  /** {s3dir}layer/ */
  layerDir: S3Path;
  /** {s3dir}layer/layer.zip */
  layerZip: S3Path;
  /** {s3dir}layer/{version:06d}/{manifest file name} */
  manifestForVersion(version: number): S3Path;
  /** {s3dir}layer/.publish.lock: serialises concurrent publishes. */
  publishLock: S3Path;
}

export function s3Layout(s3dir: S3Path | string, tool: BuildTool): S3Layout {
  const dir = typeof s3dir === 'string' ? S3Path.parseDir(s3dir) : s3dir.isDir ? s3dir : S3Path.parseDir(s3dir.uri);
  const layerDir = dir.join('layer/');
  return {
    s3dir: dir,
    layerDir,
    layerZip: layerDir.join('layer.zip'),
    manifestForVersion: (version) => layerDir.join(formatLayerVersion(version), manifestFileName(tool)),
    publishLock: layerDir.join('.publish.lock'),
  };
}
