import { ErrorCodes, silentLogger } from '@lambda-layer/core';
import { testS3Client } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, validateUploadOptions } from './options.js';

describe('validateUploadOptions', () => {
  const s3Client = testS3Client();
  it('fills the defaults', () => {
    const resolved = validateUploadOptions({ projectDir: '/p', tool: 'poetry', s3dir: 's3://b-1/x/', s3Client });
    expect(resolved).toMatchObject({ projectDir: '/p', tool: 'poetry', force: false, logger: silentLogger, region: undefined });
    expect(resolved.partSize).toBe(DEFAULT_PART_SIZE);
    expect(resolved.queueSize).toBe(DEFAULT_QUEUE_SIZE);
    // lib-storage rejects parts under 5 MiB; the default stays well above.
    expect(DEFAULT_PART_SIZE).toBeGreaterThanOrEqual(5 * 1024 * 1024);
  });

  it('rejects a tool that is not pip, poetry or uv', () => {
    expect(() => validateUploadOptions({ projectDir: '/p', tool: 'conda' as never, s3dir: 's3://b-1/x/', s3Client })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_TOOL }),
    );
  });
});
