import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { currentProcessIdentity, type ProcessIdentity, tempFileOwner, toLayerErrorFromSystem, writeFileAtomically } from '@lambda-layer/core';

/** One multipart upload this tool started, as recorded on disk before its first part is sent. */
export interface MultipartUploadRecord extends ProcessIdentity {
  bucket: string;
  key: string;
  uploadId: string;
  startedAt: string;
}

/**
 * The records of multipart uploads in flight, one small JSON file per upload
 * in `build/lambda/layer/.multipart-uploads/` (so two uploads from one project
 * never rewrite each other's file). A record is written atomically (temp file,
 * then rename) right after CreateMultipartUpload answers and before any part is
 * sent, and removed once the upload completed or was aborted: a record still
 * there names an upload that a killed run left open.
 */
export class MultipartUploadRecords {
  constructor(readonly dir: string) {}

  private fileOf(uploadId: string): string {
    return join(this.dir, `${createHash('sha256').update(uploadId).digest('hex').slice(0, 24)}.json`);
  }

  async add(upload: { bucket: string; key: string; uploadId: string }): Promise<MultipartUploadRecord> {
    const record: MultipartUploadRecord = { ...upload, ...currentProcessIdentity(), startedAt: new Date().toISOString() };
    const file = this.fileOf(upload.uploadId);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      throw toLayerErrorFromSystem(error, { path: file, doing: `record the multipart upload in ${file}` }) ?? error;
    }
    return record;
  }

  async remove(uploadId: string): Promise<void> {
    await rm(this.fileOf(uploadId), { force: true });
  }

  /** The records for one S3 object (unreadable files and stale temp files are dropped). */
  async list(bucket: string, key: string): Promise<MultipartUploadRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records: MultipartUploadRecord[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (!name.endsWith('.json')) {
        // A temp file of a write killed before its rename: it never named an upload. This process's own
        // are left alone: another region's upload may be between its write and its rename right now.
        if (name.endsWith('.tmp') && tempFileOwner(name) !== process.pid) await rm(path, { force: true });
        continue;
      }
      try {
        const record = JSON.parse(await readFile(path, 'utf8')) as MultipartUploadRecord;
        if (record.bucket === bucket && record.key === key && typeof record.uploadId === 'string') records.push(record);
      } catch {
        await rm(path, { force: true });
      }
    }
    return records;
  }
}
