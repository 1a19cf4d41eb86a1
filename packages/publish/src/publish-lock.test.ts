import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createMemoryLogger, currentProcessIdentity, ErrorCodes, LayerError, S3Path } from '@lambda-layer/core';
import { createTestBucket, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure } from './publish.fixture.js';
import { type CurrentLock, PublishLock, type PublishLockBody, type PublishLockOptions } from './publish-lock.js';

const s3 = testS3Client();
let bucket: string;
const proxy = useFaultProxy();
let n = 0;
beforeAll(async () => {
  bucket = await createTestBucket(s3, 'lock');
});

function lockPath(): S3Path {
  n += 1;
  return S3Path.parse(`s3://${bucket}/app${n}/layer/.publish.lock`);
}

function lock(path: S3Path, options: Partial<PublishLockOptions> = {}, client = testS3Client()): PublishLock {
  return new PublishLock(client, path, { staleAfterMs: 60_000, heartbeatMs: 20_000, waitMs: 5_000, pollMs: 25, ...options });
}

async function head(path: S3Path) {
  return s3.send(new HeadObjectCommand({ Bucket: path.bucket, Key: path.key })).catch(() => undefined);
}

async function body(path: S3Path): Promise<PublishLockBody> {
  return JSON.parse(
    (await (await s3.send(new GetObjectCommand({ Bucket: path.bucket, Key: path.key }))).Body?.transformToString()) ?? '{}',
  ) as PublishLockBody;
}

/** A lock object as another run would have left it. */
async function plantLock(path: S3Path, holder: Partial<PublishLockBody>): Promise<void> {
  const planted = { owner: 'someone-else', host: 'build-42', pid: 4242, acquiredAt: new Date().toISOString(), ...holder };
  await s3.send(new PutObjectCommand({ Bucket: path.bucket, Key: path.key, Body: JSON.stringify(planted) }));
}

/** The PID of a process that ran on this machine and is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('PublishLock (S3 conditional writes on moto)', () => {
  it('writes who holds it and until when, and deletes it on release', async () => {
    const path = lockPath();
    const held = lock(path);
    await held.acquire();
    expect(held.isHeld).toBe(true);
    const written = await body(path);
    expect(written).toMatchObject({
      owner: expect.any(String),
      host: hostname(),
      pid: process.pid,
      acquiredAt: expect.any(String),
      renewedAt: expect.any(String),
      leaseSeconds: 60,
    });
    expect(Date.parse(written.expiresAt) - Date.parse(written.renewedAt)).toBe(60_000);
    await held.release();
    expect(held.isHeld).toBe(false);
    expect(await head(path)).toBeUndefined();
  });

  it('lets exactly one of several simultaneous attempts win (If-None-Match: *)', async () => {
    const path = lockPath();
    const wins = await Promise.all(Array.from({ length: 6 }, () => lock(path).tryAcquire()));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('waits for a live holder, saying who holds it and until when, and gets it once released', async () => {
    const path = lockPath();
    const first = lock(path);
    await first.acquire();
    const logger = createMemoryLogger();
    const second = lock(path, { logger });
    const waiting = second.acquire();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second.isHeld).toBe(false);
    await first.release();
    await waiting;
    expect(second.isHeld).toBe(true);
    expect(logger.lines.join('\n')).toMatch(
      new RegExp(`waiting for the publish lock s3://.*: held by pid ${process.pid} on ${hostname()} since \\S+; it expires at \\S+Z unless renewed`),
    );
    await second.release();
  });

  it('gives up with E_PUBLISH_LOCKED after waitMs while a live lock is held', async () => {
    const path = lockPath();
    const holder = lock(path);
    await holder.acquire();
    const error = await failure(lock(path, { waitMs: 200 }).acquire());
    expect(error.code).toBe(ErrorCodes.PUBLISH_LOCKED);
    expect(error.oneLine).toMatch(
      /^another publish holds s3:\/\/.*\.publish\.lock \(held by pid \d+ on .* since .*, it expires at .* unless renewed\); wait for it to finish and run again, or run `layer publish --force-unlock` if no publish is running; a dead run's lock expires 60s after its last renewal$/,
    );
    await holder.release();
  });

  it('renews the lock while it is held (heartbeat: a new ETag, the same owner)', async () => {
    const path = lockPath();
    const held = lock(path, { heartbeatMs: 300 });
    await held.acquire();
    const before = await body(path);
    const etag = (await head(path))?.ETag;
    await expect.poll(async () => (await head(path))?.ETag, { timeout: 10_000, interval: 100 }).not.toBe(etag);
    const after = await body(path);
    expect(after.owner).toBe(before.owner);
    expect(after.acquiredAt).toBe(before.acquiredAt);
    expect(Date.parse(after.renewedAt)).toBeGreaterThan(Date.parse(before.renewedAt));
    await held.release();
    expect(await head(path)).toBeUndefined();
  });

  it("takes over a lock whose lease ran out (another machine's dead run); only one of two contenders does", async () => {
    const path = lockPath();
    await plantLock(path, { host: 'another-machine' });
    // LastModified has one-second resolution, so the lease is kept well above it and the wait below it.
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const logger = createMemoryLogger();
    const contender = () => lock(path, { staleAfterMs: 2_000, waitMs: 300, logger });
    const contenders = [contender(), contender()];
    const results = await Promise.allSettled(contenders.map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as LayerError).code).toBe(ErrorCodes.PUBLISH_LOCKED);
    expect(logger.lines.join('\n')).toContain('took over the publish lock');
    expect(logger.lines.join('\n')).toContain('its lease ran out held by pid 4242 on another-machine');
    expect((await body(path)).pid).toBe(process.pid);
    for (const l of contenders) await l.release();
  });

  it('takes over at once a lock whose holder is a process of this machine that is gone (kill -9)', async () => {
    const path = lockPath();
    const pid = deadPid();
    await plantLock(path, { ...currentProcessIdentity(), pid, startTime: undefined });
    const logger = createMemoryLogger();
    const next = lock(path, { waitMs: 0, logger });
    await next.acquire();
    expect(next.isHeld).toBe(true);
    expect(logger.lines.join('\n')).toContain(`took over the publish lock ${path.uri}: its process (pid ${pid}) is gone from this machine`);
    await next.release();
  });

  it('waits for (does not take over) a lock of a live process of this machine or of another machine', async () => {
    for (const holder of [
      { ...currentProcessIdentity(), pid: process.ppid, startTime: undefined },
      { host: 'another-machine', pid: deadPid() },
    ]) {
      const path = lockPath();
      await plantLock(path, holder);
      const error = await failure(lock(path, { waitMs: 100 }).acquire());
      expect(error.code).toBe(ErrorCodes.PUBLISH_LOCKED);
      expect((await body(path)).owner).toBe('someone-else');
    }
  });

  it.each([
    ['the SDK retry meets our own lock (412)', 3],
    ['no SDK retry: the reset connection itself', 1],
  ])('recognises its own lock after the answer to the lock PUT is lost: %s', async (_, maxAttempts) => {
    const path = lockPath();
    proxy.addRule({ operation: 'PutObject', keyIncludes: path.key, times: 1, action: { kind: 'drop-response' } });
    const held = lock(path, { waitMs: 1_000 }, testS3Client({ endpoint: proxy.endpoint, maxAttempts }));
    await held.acquire();
    expect(held.isHeld).toBe(true);
    expect(proxy.requests.find((r) => r.operation === 'PutObject')?.outcome).toBe('dropped');
    expect(proxy.count('PutObject', path.key)).toBe(maxAttempts === 1 ? 1 : 2);
    expect((await body(path)).pid).toBe(process.pid);
    await held.release();
    expect(await head(path)).toBeUndefined();
  });

  it('a renewal whose answer is lost stays ours: the SDK retry meets 412, the owner token settles it, the next renewal works', async () => {
    const path = lockPath();
    const logger = createMemoryLogger();
    // The first PutObject takes the lock; the second (the renewal) lands but its answer is lost.
    proxy.addRule({ operation: 'PutObject', keyIncludes: path.key, skip: 1, times: 1, action: { kind: 'drop-response' } });
    const held = lock(path, { logger }, testS3Client({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    await held.acquire();
    const acquired = await body(path);
    await held.renew();
    expect(proxy.requests.filter((r) => r.operation === 'PutObject').map((r) => r.outcome)).toContain('dropped');
    expect(proxy.count('PutObject', path.key)).toBe(3);
    expect(held.isHeld).toBe(true);
    const renewed = await body(path);
    expect(renewed.owner).toBe(acquired.owner);
    // The ETag it holds is the object's: the next renewal's If-Match succeeds instead of marking the lock lost.
    const etag = (await head(path))?.ETag;
    await held.renew();
    expect(held.isHeld).toBe(true);
    expect((await head(path))?.ETag).not.toBe(etag);
    expect(logger.lines.join('\n')).not.toContain('lost the publish lock');
    await held.release();
    expect(await head(path)).toBeUndefined();
  });

  it('a take-over whose answer is lost is still ours: one holder, our body in the object', async () => {
    const path = lockPath();
    await plantLock(path, { ...currentProcessIdentity(), pid: deadPid(), startTime: undefined });
    const logger = createMemoryLogger();
    // PutObject 1: the create attempt (412, the dead run's lock is there); 2: the take-over, acted on but unanswered.
    proxy.addRule({ operation: 'PutObject', keyIncludes: path.key, skip: 1, times: 1, action: { kind: 'drop-response' } });
    const held = lock(path, { logger }, testS3Client({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    await held.acquire();
    expect(held.isHeld).toBe(true);
    expect(proxy.requests.filter((r) => r.operation === 'PutObject').map((r) => r.outcome)).toContain('dropped');
    expect((await body(path)).pid).toBe(process.pid);
    expect(logger.lines.join('\n')).toContain('took over the publish lock');
    held.assertHeld();
    await held.release();
    expect(await head(path)).toBeUndefined();
  });

  it('a release whose DELETE answer is lost: the retry finds the lock gone, no lock left and no warning', async () => {
    const path = lockPath();
    const logger = createMemoryLogger();
    proxy.addRule({ operation: 'DeleteObject', keyIncludes: path.key, times: 1, action: { kind: 'drop-response' } });
    const held = lock(path, { logger }, testS3Client({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    await held.acquire();
    await held.release();
    expect(proxy.requests.find((r) => r.operation === 'DeleteObject')?.outcome).toBe('dropped');
    expect(proxy.count('DeleteObject', path.key)).toBe(2);
    expect(held.isHeld).toBe(false);
    expect(await head(path)).toBeUndefined();
    expect(logger.lines.filter((line) => line.includes('publish lock'))).toEqual([]);
  });

  it('a release S3 keeps refusing (5xx): one warning, the lock left is ours and expires, the next run takes it over', async () => {
    const path = lockPath();
    const logger = createMemoryLogger();
    proxy.addRule({ operation: 'DeleteObject', keyIncludes: path.key, action: { kind: 'server-error' } });
    const held = lock(path, { logger, staleAfterMs: 2_000 }, testS3Client({ endpoint: proxy.endpoint, maxAttempts: 2 }));
    await held.acquire();
    const ours = await body(path);
    await held.release();
    expect(proxy.count('DeleteObject', path.key)).toBe(2);
    expect(held.isHeld).toBe(false);
    expect(logger.lines.join('\n')).toMatch(/could not release the publish lock .*; it expires by itself within 2s/);
    // Left behind: our lock, no longer renewed.
    expect((await body(path)).owner).toBe(ours.owner);
    proxy.clearRules();
    const next = lock(path, { staleAfterMs: 2_000, waitMs: 15_000, pollMs: 200 });
    await next.acquire();
    expect((await body(path)).owner).not.toBe(ours.owner);
    await next.release();
    expect(await head(path)).toBeUndefined();
  });

  it('notices at the next renewal that another run took the lock, and refuses to go on', async () => {
    const path = lockPath();
    const logger = createMemoryLogger();
    const held = lock(path, { logger });
    await held.acquire();
    held.assertHeld();
    await plantLock(path, { host: 'another-machine', pid: 7 });
    await held.renew();
    expect(held.isHeld).toBe(false);
    const error = await failure(Promise.resolve().then(() => held.assertHeld()));
    expect(error.code).toBe(ErrorCodes.PUBLISH_LOCK_LOST);
    expect(error.oneLine).toMatch(
      /^lost the publish lock .*: another run took it over \(held by pid 7 on another-machine since .*\); nothing was published by this run/,
    );
    // Release leaves the other run's lock alone.
    await held.release();
    expect((await body(path)).pid).toBe(7);
  });

  it('force-unlock removes the lock and says who held it; with no lock it says so', async () => {
    const path = lockPath();
    await plantLock(path, { host: 'ci-runner-7', pid: 99 });
    const removed = await lock(path).forceUnlock();
    expect(removed?.body).toMatchObject({ host: 'ci-runner-7', pid: 99 });
    expect(await head(path)).toBeUndefined();
    expect(await lock(path).forceUnlock()).toBeUndefined();
  });

  it('force-unlock whose DELETE answer is lost: the retry meets the lock gone, and it still says who held it', async () => {
    const path = lockPath();
    await plantLock(path, { host: 'ci-runner-8', pid: 98 });
    proxy.addRule({ operation: 'DeleteObject', keyIncludes: path.key, times: 1, action: { kind: 'drop-response' } });
    const removed = await lock(path, {}, testS3Client({ endpoint: proxy.endpoint, maxAttempts: 3 })).forceUnlock();
    expect(proxy.requests.find((r) => r.operation === 'DeleteObject')?.outcome).toBe('dropped');
    expect(proxy.count('DeleteObject', path.key)).toBe(2);
    expect(removed?.body).toMatchObject({ host: 'ci-runner-8', pid: 98 });
    expect(await head(path)).toBeUndefined();
  });

  it('stops waiting at once when interrupted', async () => {
    const path = lockPath();
    await plantLock(path, { host: 'another-machine' });
    const controller = new AbortController();
    const waiting = lock(path, { waitMs: 60_000, pollMs: 10_000, signal: controller.signal }).acquire();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(waiting);
    expect(error.code).toBe(ErrorCodes.INTERRUPTED);
    expect(error.oneLine).toBe(
      `interrupted: stopped while waiting for the publish lock ${path.uri}; nothing was published; run \`layer publish\` again`,
    );
  });

  it("measures expiry on S3's clock (LastModified vs the answer's Date), whatever the local clock says", () => {
    const l = lock(lockPath(), { staleAfterMs: 60_000 });
    const at = (modified: string, server: string): CurrentLock => ({
      etag: 'e',
      lastModified: new Date(modified),
      serverDate: new Date(server),
      body: undefined,
    });
    // Both S3 timestamps are a year off the local clock: only their difference counts.
    expect(l.isExpired(at('2001-01-01T00:00:00Z', '2001-01-01T00:00:59Z'))).toBe(false);
    expect(l.isExpired(at('2001-01-01T00:00:00Z', '2001-01-01T00:01:01Z'))).toBe(true);
  });

  it('reports a missing bucket as one clear line', async () => {
    const error = await failure(lock(S3Path.parse('s3://no-such-bucket-for-lock-tests/layer/.publish.lock')).acquire());
    expect(error.code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
  });
});
