import { createReadStream } from 'node:fs';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ErrorCodes, LayerError, toLayerErrorFromAws, type Logger, type S3Path } from '@lambda-layer/core';

export interface PutLayerZipInput {
  s3Client: S3Client;
  file: string;
  /** Size of `file`, for the progress bar. */
  bytes: number;
  target: S3Path;
  metadata: Record<string, string>;
  partSize: number;
  queueSize: number;
  logger: Logger;
  /** Aborting it stops reading the file, so lib-storage aborts the multipart upload as for any failure. */
  signal?: AbortSignal | undefined;
}

export const LAYER_ZIP_CONTENT_TYPE = 'application/zip';

/**
 * Uploads the file with lib-storage: one PutObject when it fits in a part,
 * else a multipart upload with `queueSize` parts in flight. S3 replaces the
 * object only when the upload completes, so a failure never leaves a partial
 * object and the previous one stays as it was. Returns the bytes sent.
 */
export async function putLayerZip(input: PutLayerZipInput): Promise<number> {
  const { s3Client, target, logger, signal } = input;
  // 1 MiB reads: lib-storage concatenates them into parts, fewer copies than the 64 KiB default.
  const body = createReadStream(input.file, { highWaterMark: 1024 * 1024 });
  // An interruption fails the body stream rather than using Upload.abort(): that way
  // lib-storage waits for the parts in flight and then aborts the multipart upload,
  // and done() rejects only after the cleanup (abort() rejects at once and cleans up later).
  const interrupt = () =>
    body.destroy(
      new LayerError(ErrorCodes.UPLOAD_FAILED, `the upload of layer.zip to ${target.uri} was interrupted; nothing changed in S3`, {
        hint: 'run `layer upload` again',
      }),
    );
  if (signal?.aborted) interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  const upload = new Upload({
    client: s3Client,
    params: {
      Bucket: target.bucket,
      Key: target.key,
      Body: body,
      ContentType: LAYER_ZIP_CONTENT_TYPE,
      Metadata: input.metadata,
    },
    partSize: input.partSize,
    queueSize: input.queueSize,
    // On failure lib-storage aborts the multipart upload, so no parts are left to bill.
    leavePartsOnError: false,
  });
  const progress = logger.progress('layer.zip', input.bytes, 'bytes');
  upload.on('httpUploadProgress', (event) => {
    if (event.loaded !== undefined) progress.update(event.loaded);
  });
  try {
    await upload.done();
  } catch (error) {
    if (upload.uploadId) await ensureMultipartUploadAborted(s3Client, target, upload.uploadId, logger);
    throw toLayerErrorFromAws(error, `upload layer.zip to ${target.uri}`);
  } finally {
    signal?.removeEventListener('abort', interrupt);
    body.destroy();
  }
  progress.finish();
  return input.bytes;
}

/**
 * lib-storage aborts a failed multipart upload itself; this checks that the
 * abort really happened (an abort can fail too, on the same bad network) and
 * retries it once, else tells the user the command that removes the parts.
 */
export async function ensureMultipartUploadAborted(s3Client: S3Client, target: S3Path, uploadId: string, logger: Logger): Promise<void> {
  try {
    const listed = await s3Client.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.key }));
    const pending = (listed.Uploads ?? []).some((u) => u.UploadId === uploadId && u.Key === target.key);
    if (!pending) return;
    logger.debug(`multipart upload ${uploadId} is still open; aborting it`);
    await s3Client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }));
  } catch (error) {
    const reason = ((error as Error)?.message ?? String(error)).split('\n')[0];
    logger.warn(
      `could not abort the failed multipart upload (${reason}); remove its parts with ` +
        `\`aws s3api abort-multipart-upload --bucket ${target.bucket} --key ${target.key} --upload-id ${uploadId}\``,
    );
  }
}
