import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, LayerError, type Logger, type S3Path, silentLogger, toLayerErrorFromAws } from '@lambda-layer/core';
import { bareEtag, isConditionFailed, isNotFound } from './aws-call.js';

export interface PublishLockOptions {
  /** A lock older than this belongs to a crashed run and may be taken over. */
  staleAfterMs: number;
  /** How long to wait for another run's lock. */
  waitMs: number;
  pollMs: number;
  logger?: Logger;
  /** The clock; tests move it. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the lock object holds: who took it and when, for people reading the bucket. */
export interface PublishLockBody {
  owner: string;
  host: string;
  pid: number;
  acquiredAt: string;
}

interface HeldLock {
  etag: string | undefined;
  body: PublishLockBody;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Serialises publishes of one s3dir with S3 conditional writes: the lock is
 * `{s3dir}layer/.publish.lock`, created with If-None-Match: * (exactly one
 * writer wins). A lock older than `staleAfterMs` is a crashed run's: it is
 * replaced with If-Match on its ETag, so of several runs seeing the same stale
 * lock only one takes it over. Release deletes with If-Match on our ETag, so a
 * run never deletes a lock another run has taken over.
 */
export class PublishLock {
  private held: HeldLock | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly s3: S3Client,
    readonly path: S3Path,
    private readonly options: PublishLockOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /** Takes the lock, waiting for another run's lock up to `waitMs`. */
  async acquire(): Promise<void> {
    const deadline = this.now() + this.options.waitMs;
    let announced = false;
    for (;;) {
      if (await this.tryAcquire()) return;
      const current = await this.readCurrent();
      if (current && this.isStale(current.lastModified)) {
        if (await this.takeOver(current.etag)) return;
        continue;
      }
      if (this.now() >= deadline) {
        throw new LayerError(ErrorCodes.PUBLISH_LOCKED, `another publish holds ${this.path.uri}${current ? ` (${describe(current.body)})` : ''}`, {
          hint: `wait for it to finish and run again; a crashed run's lock expires after ${Math.round(this.options.staleAfterMs / 1000)}s`,
          details: { lock: this.path.uri, ...(current?.body ? { holder: current.body } : {}) },
        });
      }
      if (!announced && current) {
        this.logger.detail(`waiting for another publish to finish (${describe(current.body)})`);
        announced = true;
      }
      await this.sleep(this.options.pollMs);
    }
  }

  /** One attempt: create the lock object only if none exists. */
  async tryAcquire(): Promise<boolean> {
    try {
      await this.putLock({ IfNoneMatch: '*' });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw toLayerErrorFromAws(error, `create the publish lock ${this.path.uri}`);
    }
  }

  /** Releases our lock; a lock someone took over (after ours went stale) is left alone. */
  async release(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    try {
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.path.bucket, Key: this.path.key, ...(held.etag ? { IfMatch: `"${held.etag}"` } : {}) }),
      );
    } catch (error) {
      if (isConditionFailed(error) || isNotFound(error)) {
        this.logger.warn(`the publish lock ${this.path.uri} was taken over by another run before this one released it`);
        return;
      }
      // Not fatal for the publish itself: the lock expires after staleAfterMs.
      this.logger.warn(`could not release the publish lock ${this.path.uri}: ${(error as Error).message}; it expires by itself`);
    }
  }

  /**
   * Age is measured from the lock's S3 LastModified (one-second resolution)
   * against the local clock, so the limit must dwarf both that and any clock
   * skew: the default is 15 minutes, while a publish takes seconds.
   */
  isStale(lastModified: Date | undefined): boolean {
    if (!lastModified) return false;
    return this.now() - lastModified.getTime() > this.options.staleAfterMs;
  }

  private newBody(): PublishLockBody {
    return { owner: randomUUID(), host: hostname(), pid: process.pid, acquiredAt: new Date(this.now()).toISOString() };
  }

  private async readCurrent(): Promise<{ etag: string | undefined; lastModified: Date | undefined; body: PublishLockBody | undefined } | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.path.bucket, Key: this.path.key }));
      const text = (await response.Body?.transformToString()) ?? '';
      let body: PublishLockBody | undefined;
      try {
        body = JSON.parse(text) as PublishLockBody;
      } catch {
        body = undefined;
      }
      return { etag: bareEtag(response.ETag), lastModified: response.LastModified, body };
    } catch (error) {
      // Released between our attempt and this read: try again.
      if (isNotFound(error)) return undefined;
      throw toLayerErrorFromAws(error, `read the publish lock ${this.path.uri}`);
    }
  }

  /** Writes a new lock body under a write condition; on success the lock is ours. */
  private async putLock(condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<void> {
    const body = this.newBody();
    const response = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.path.bucket,
        Key: this.path.key,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
        ...condition,
      }),
    );
    this.held = { etag: bareEtag(response.ETag), body };
  }

  /** Replaces a stale lock only if it is still the same object (If-Match). */
  private async takeOver(staleEtag: string | undefined): Promise<boolean> {
    if (!staleEtag) return false;
    try {
      await this.putLock({ IfMatch: `"${staleEtag}"` });
      this.logger.warn(`took over a stale publish lock at ${this.path.uri} (older than ${Math.round(this.options.staleAfterMs / 1000)}s)`);
      return true;
    } catch (error) {
      if (isConditionFailed(error) || isNotFound(error)) return false;
      throw toLayerErrorFromAws(error, `take over the stale publish lock ${this.path.uri}`);
    }
  }
}

function describe(body: PublishLockBody | undefined): string {
  return body ? `taken by pid ${body.pid} on ${body.host} at ${body.acquiredAt}` : 'holder unknown';
}
