import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { captureServerDate, isDeadLocalProcess, isNotFound, type Logger, type S3Path, toLayerErrorFromAws } from '@lambda-layer/core';
import type { MultipartUploadRecords } from './multipart-records.js';

/**
 * An incomplete upload of our key that no record names and that S3 says was
 * started more than this long ago is abandoned: no `layer upload` runs for a
 * day (its temporary AWS credentials would have expired long before).
 */
export const ABANDONED_UPLOAD_AGE_MS = 24 * 60 * 60 * 1000;

export interface AbortEarlierUploadsInput {
  s3Client: S3Client;
  target: S3Path;
  records: MultipartUploadRecords;
  logger: Logger;
  /** Also list the key's incomplete uploads in S3 and abort the abandoned ones (costs one ListMultipartUploads). */
  listRemote: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Aborts the incomplete multipart uploads of `target` that earlier runs of
 * this tool left (kill -9 mid-upload leaves parts that are billed until
 * aborted), and returns how many it aborted. Never touches a live upload:
 *  - a local record whose process still runs on this machine is left alone;
 *  - an upload no record names is aborted only when S3 says it started more
 *    than a day ago (by S3's clock); younger ones may be another machine's
 *    upload in progress and are only mentioned.
 */
export async function abortEarlierUploads(input: AbortEarlierUploadsInput): Promise<number> {
  const { s3Client, target, records, logger, signal } = input;
  const abort = async (uploadId: string): Promise<boolean> => {
    try {
      await s3Client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }), { abortSignal: signal });
      return true;
    } catch (error) {
      // NoSuchUpload: already gone; on a retry, gone because the attempt whose answer was lost aborted it.
      if (isNotFound(error)) return ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
      throw toLayerErrorFromAws(error, `abort the incomplete multipart upload ${uploadId} of ${target.uri}`);
    }
  };

  let aborted = 0;
  const recorded = await records.list(target.bucket, target.key);
  const known = new Set(recorded.map((r) => r.uploadId));
  for (const record of recorded) {
    const age = Date.now() - Date.parse(record.startedAt);
    // A live upload (this machine: its process still runs; another machine: younger than a day) is never aborted.
    if (!isDeadLocalProcess(record) && !(age > ABANDONED_UPLOAD_AGE_MS)) {
      logger.detail(`multipart upload ${record.uploadId} may still be running (pid ${record.pid} on ${record.host}): left alone`);
      continue;
    }
    if (await abort(record.uploadId)) {
      aborted += 1;
      logger.detail(
        `aborted the incomplete multipart upload ${record.uploadId} (started ${record.startedAt} by pid ${record.pid} on ${record.host})`,
      );
    }
    await records.remove(record.uploadId);
  }

  if (input.listRemote) {
    const command = new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.key });
    const clock = captureServerDate(command);
    let uploads;
    try {
      uploads = (await s3Client.send(command, { abortSignal: signal })).Uploads ?? [];
    } catch (error) {
      throw toLayerErrorFromAws(error, `list the incomplete multipart uploads of ${target.uri}`);
    }
    const now = clock.date?.getTime() ?? Date.now();
    const others = uploads.filter((u) => u.Key === target.key && u.UploadId && !known.has(u.UploadId));
    const abandoned = others.filter((u) => u.Initiated && now - u.Initiated.getTime() > ABANDONED_UPLOAD_AGE_MS);
    for (const upload of abandoned) {
      if (await abort(upload.UploadId as string)) {
        aborted += 1;
        logger.detail(`aborted the abandoned multipart upload ${upload.UploadId} (started ${upload.Initiated?.toISOString()})`);
      }
    }
    const recent = others.length - abandoned.length;
    if (recent > 0) {
      logger.warn(
        `${recent} other incomplete multipart upload${recent === 1 ? '' : 's'} of ${target.uri}, started in the last 24 hours, ` +
          'left alone (another machine may be uploading); a day after it started the next upload aborts it',
      );
    }
  }
  return aborted;
}
