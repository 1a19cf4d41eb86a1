import { createReadStream } from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { interruptedError, isNotFound, LayerError, type Logger, readLayerZipSha256, type S3Path, toLayerErrorFromAws } from '@lambda-layer/core';
import type { MultipartUploadRecords } from './multipart-records.js';

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
  /** Ctrl-C / SIGTERM: in-flight requests are aborted, the multipart upload is aborted, S3 keeps the previous object. */
  signal?: AbortSignal | undefined;
  /** Where the upload id is recorded before any part is sent, so a killed run's upload can be aborted later. */
  records?: MultipartUploadRecords | undefined;
  /** Whether S3 held a layer.zip before (for the interruption message); undefined when not checked. */
  hadPrevious?: boolean | undefined;
}

export const LAYER_ZIP_CONTENT_TYPE = 'application/zip';

/** How long the clean-up after Ctrl-C may take: the step must stop within about 2 s. */
const INTERRUPT_CLEANUP_MS = 1500;

/**
 * Uploads the file with lib-storage: one PutObject when it fits in a part,
 * else a multipart upload with `queueSize` parts in flight. S3 replaces the
 * object only when the upload completes, so a failure never leaves a partial
 * object and the previous one stays as it was. Returns the bytes sent.
 *
 * lib-storage's own abort() neither cancels the requests in flight nor waits
 * for its clean-up, so the client it gets is a view of `s3Client` whose every
 * request carries our abort signal; the multipart clean-up is then ours, and
 * checked. Every request lib-storage sends passes through that view, which
 * also records the upload id on disk before the first part goes out and notes
 * when the request that makes the object (PutObject / CompleteMultipartUpload)
 * has been sent, so an interruption or a lost answer is resolved by asking S3.
 */
export async function putLayerZip(input: PutLayerZipInput): Promise<number> {
  const { s3Client, target, logger, signal } = input;
  if (signal?.aborted) throw interrupted(signal, target, `nothing was sent; ${previousState(input.hadPrevious)}`);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });

  let uploadId: string | undefined;
  let objectWriteSent = false as boolean; // set by the middleware below, which TypeScript's narrowing cannot see
  const view = Object.create(s3Client) as S3Client;
  view.send = (async (command: { input: unknown }, options?: object) => {
    if (command instanceof PutObjectCommand || command instanceof CompleteMultipartUploadCommand) objectWriteSent = true;
    const output = await s3Client.send(command as never, { ...options, abortSignal: controller.signal });
    if (command instanceof CreateMultipartUploadCommand) {
      uploadId = (output as { UploadId?: string }).UploadId;
      if (uploadId && input.records) await input.records.add({ bucket: target.bucket, key: target.key, uploadId });
    }
    return output;
  }) as S3Client['send'];

  // 1 MiB reads: lib-storage concatenates them into parts, fewer copies than the 64 KiB default.
  const body = createReadStream(input.file, { highWaterMark: 1024 * 1024 });
  const upload = new Upload({
    client: view,
    params: { Bucket: target.bucket, Key: target.key, Body: body, ContentType: LAYER_ZIP_CONTENT_TYPE, Metadata: input.metadata },
    partSize: input.partSize,
    queueSize: input.queueSize,
    abortController: controller,
    // The clean-up is done (and verified) below, with requests that are not aborted.
    leavePartsOnError: true,
  });
  const progress = logger.progress('layer.zip', input.bytes, 'bytes');
  upload.on('httpUploadProgress', (event) => {
    if (event.loaded !== undefined) progress.update(event.loaded);
  });
  try {
    await upload.done();
  } catch (error) {
    const wasInterrupted = signal?.aborted === true;
    // Bounded after Ctrl-C (the step must stop quickly); a plain failure may take the SDK's usual retries.
    const cleanupSignal = wasInterrupted ? AbortSignal.timeout(INTERRUPT_CLEANUP_MS) : undefined;
    const cleaned = uploadId ? await ensureMultipartUploadAborted(s3Client, target, uploadId, logger, cleanupSignal) : true;
    if (uploadId && cleaned) await input.records?.remove(uploadId);
    // The request that makes the object went out: S3 may hold the new zip although no answer came.
    const stored = objectWriteSent ? await isStored(s3Client, target, input.metadata, cleanupSignal) : false;
    if (wasInterrupted) {
      const left = cleaned ? '' : `; its multipart upload could not be aborted now, the next \`layer upload\` aborts it`;
      if (stored === true) throw interrupted(signal, target, `S3 had already stored the new layer.zip before the interruption${left}`);
      if (stored === undefined) throw interrupted(signal, target, `S3 may or may not hold the new layer.zip (it did not answer in time)${left}`);
      throw interrupted(
        signal,
        target,
        `${previousState(input.hadPrevious)}${uploadId && cleaned ? ' and no multipart upload is left open' : ''}${left}`,
      );
    }
    if (stored === true) {
      // The answer was lost (a reset connection, a retried Complete that found its upload gone), the upload was not.
      logger.detail(`the answer to the upload was lost, but S3 holds the new layer.zip (same SHA-256): done`);
      progress.finish();
      return input.bytes;
    }
    throw toLayerErrorFromAws(error, `upload layer.zip to ${target.uri}`, { service: 'S3' });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    body.destroy();
  }
  if (uploadId) await input.records?.remove(uploadId);
  progress.finish();
  return input.bytes;
}

function previousState(hadPrevious: boolean | undefined): string {
  if (hadPrevious === false) return 'nothing was stored in S3';
  if (hadPrevious === true) return 'S3 still holds the previous layer.zip';
  return 'S3 still holds what it held before (if anything)';
}

function interrupted(signal: AbortSignal | undefined, target: S3Path, state: string): LayerError {
  return interruptedError(signal, `the upload of layer.zip to ${target.uri} stopped; ${state}`, 'run `layer upload` again', { s3uri: target.uri });
}

/** Whether the object now carries our zip's SHA-256 (undefined: S3 did not answer). */
async function isStored(
  s3Client: S3Client,
  target: S3Path,
  metadata: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<boolean | undefined> {
  try {
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }), { abortSignal: signal });
    return readLayerZipSha256(head.Metadata) === readLayerZipSha256(metadata);
  } catch (error) {
    return isNotFound(error) ? false : undefined;
  }
}

/**
 * Aborts a failed or interrupted multipart upload and checks that it is gone
 * (an abort can fail too, on the same bad network, and parts still in flight
 * can land after it). Returns whether the upload is gone; if not, tells the
 * user the command that removes the parts (the next `layer upload` also does).
 */
export async function ensureMultipartUploadAborted(
  s3Client: S3Client,
  target: S3Path,
  uploadId: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    // S3 documents that parts still in flight may land after an abort: then the upload is listed again and aborted again.
    for (let round = 0; ; round += 1) {
      const listed = await s3Client.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.key }), { abortSignal: signal });
      const pending = (listed.Uploads ?? []).some((u) => u.UploadId === uploadId && u.Key === target.key);
      if (!pending) return true;
      if (round === 2) throw new Error(`still listed after ${round} aborts`);
      logger.debug(`multipart upload ${uploadId} is still open; aborting it`);
      await s3Client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }), { abortSignal: signal });
    }
  } catch (error) {
    const reason = toLayerErrorFromAws(error, 'abort it', { service: 'S3' }).message;
    logger.warn(
      `could not abort the failed multipart upload: ${reason}; the next \`layer upload\` aborts it, or remove its parts with ` +
        `\`aws s3api abort-multipart-upload --bucket ${target.bucket} --key ${target.key} --upload-id ${uploadId}\``,
    );
    return false;
  }
}
