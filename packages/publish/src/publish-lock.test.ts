import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, LayerError, S3Path } from '@lambda-layer/core';
import { createTestBucket, testS3Client } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { PublishLock, type PublishLockOptions } from './publish-lock.js';

const s3 = testS3Client();
let bucket: string;
let n = 0;
beforeAll(async () => {
  bucket = await createTestBucket(s3, 'lock');
});

function lockPath(): S3Path {
  n += 1;
  return S3Path.parse(`s3://${bucket}/app${n}/layer/.publish.lock`);
}

function lock(path: S3Path, options: Partial<PublishLockOptions> = {}): PublishLock {
  return new PublishLock(testS3Client(), path, { staleAfterMs: 60_000, waitMs: 5_000, pollMs: 25, ...options });
}

async function exists(path: S3Path): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: path.bucket, Key: path.key })).then(
    () => true,
    () => false,
  );
}

describe('PublishLock (S3 conditional writes on moto)', () => {
  it('creates the lock object with who holds it, and deletes it on release', async () => {
    const path = lockPath();
    const held = lock(path);
    await held.acquire();
    expect(held.isHeld).toBe(true);
    const body = JSON.parse((await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: path.key }))).Body?.transformToString()) ?? '{}');
    expect(body).toMatchObject({ pid: process.pid, owner: expect.any(String), acquiredAt: expect.any(String) });
    await held.release();
    expect(held.isHeld).toBe(false);
    expect(await exists(path)).toBe(false);
  });

  it('lets exactly one of several simultaneous attempts win (If-None-Match: *)', async () => {
    const path = lockPath();
    const wins = await Promise.all(Array.from({ length: 6 }, () => lock(path).tryAcquire()));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('waits for a held lock and gets it once released', async () => {
    const path = lockPath();
    const first = lock(path);
    await first.acquire();
    const logger = createMemoryLogger();
    const second = lock(path, { logger });
    const waiting = second.acquire();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(second.isHeld).toBe(false);
    await first.release();
    await waiting;
    expect(second.isHeld).toBe(true);
    expect(logger.lines.join('\n')).toContain(`waiting for another publish to finish (taken by pid ${process.pid}`);
    await second.release();
  });

  it('gives up with E_PUBLISH_LOCKED after waitMs while a fresh lock is held', async () => {
    const path = lockPath();
    await lock(path).acquire();
    const error = await lock(path, { waitMs: 200 }).acquire().catch((e: unknown) => e as LayerError);
    expect(error).toBeInstanceOf(LayerError);
    expect(error?.code).toBe(ErrorCodes.PUBLISH_LOCKED);
    expect(error?.oneLine).toMatch(/^another publish holds s3:\/\/.*\.publish\.lock \(taken by pid \d+ on .*\); wait for it to finish and run again; a crashed run's lock expires after 60s$/);
  });

  it('takes over a crashed run\'s stale lock; only one of two contenders does', async () => {
    const path = lockPath();
    // LastModified has one-second resolution, so the stale limit is kept well above it and the wait below it.
    const crashed = lock(path, { staleAfterMs: 2_000 });
    await crashed.acquire();
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const logger = createMemoryLogger();
    const contender = () => lock(path, { staleAfterMs: 2_000, waitMs: 300, logger });
    const results = await Promise.allSettled([contender(), contender()].map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as LayerError).code).toBe(ErrorCodes.PUBLISH_LOCKED);
    expect(logger.lines.join('\n')).toContain('took over a stale publish lock');

    // The crashed run coming back must not delete the new holder's lock.
    const etagBefore = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: path.key }))).ETag;
    await crashed.release();
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: path.key }))).ETag).toBe(etagBefore);
  });

  it('treats a lock older than staleAfterMs (by its S3 LastModified) as stale, even one it cannot parse', async () => {
    const path = lockPath();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: path.key, Body: 'not json' }));
    const later = lock(path, { now: () => Date.now() + 61_000, waitMs: 0 });
    await later.acquire();
    expect(later.isHeld).toBe(true);
    expect(later.isStale(new Date(Date.now() - 10_000))).toBe(true);
    expect(lock(path).isStale(new Date())).toBe(false);
  });

  it('reports a missing bucket as one clear line', async () => {
    const error = await lock(S3Path.parse('s3://no-such-bucket-for-lock-tests/layer/.publish.lock'))
      .acquire()
      .catch((e: unknown) => e as LayerError);
    expect(error?.code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
  });
});
