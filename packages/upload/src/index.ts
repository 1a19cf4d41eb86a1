export { uploadLayerZip, UploadLayerZipCommand } from './upload-layer-zip-command.js';
export { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, type UploadLayerZipOptions } from './options.js';
export { computeFingerprints, type LayerZipFingerprints } from './fingerprints.js';
export { headLayerZip, isSameLayerZip, type RemoteLayerZip } from './remote-layer-zip.js';
export { putLayerZip, ensureMultipartUploadAborted, LAYER_ZIP_CONTENT_TYPE, type PutLayerZipInput } from './put-layer-zip.js';
export type { UploadResult } from '@lambda-layer/core';
