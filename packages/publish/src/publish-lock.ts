import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  bareEtag,
  captureServerDate,
  currentProcessIdentity,
  ErrorCodes,
  interruptedError,
  isAbortError,
  isConditionFailed,
  isDeadLocalProcess,
  isNotFound,
  isOutcomeUnknown,
  LayerError,
  type Logger,
  type ProcessIdentity,
  type S3Path,
  silentLogger,
  toLayerErrorFromAws,
} from '@lambda-layer/core';

export interface PublishLockOptions {
  /** The lease: a lock not renewed for this long (by S3's clock) belongs to a dead run and is taken over. */
  staleAfterMs: number;
  /** How often the holder renews the lock while it runs (well under staleAfterMs). */
  heartbeatMs: number;
  /** How long to wait for another live run's lock. */
  waitMs: number;
  pollMs: number;
  logger?: Logger;
  /** Ctrl-C: stops waiting (E_INTERRUPTED). */
  signal?: AbortSignal | undefined;
}

/** What the lock object holds: who holds it and until when, for the next run and for people reading the bucket. */
export interface PublishLockBody extends ProcessIdentity {
  /** A token of the run that wrote it: a run recognises its own lock by it (after a lost PUT answer). */
  owner: string;
  acquiredAt: string;
  /** The last renewal by the holder's heartbeat (holder's clock). */
  renewedAt: string;
  /** renewedAt + the lease (holder's clock; informative: expiry is decided on S3's clock). */
  expiresAt: string;
  leaseSeconds: number;
}

/** The lock object as S3 reports it. */
export interface CurrentLock {
  etag: string | undefined;
  lastModified: Date | undefined;
  /** S3's clock when it answered (the Date header). */
  serverDate: Date | undefined;
  body: PublishLockBody | undefined;
}

interface HeldLock {
  etag: string | undefined;
  body: PublishLockBody;
  /** Local time of the last successful write: the lease runs from there. */
  writtenAt: number;
}

/**
 * Serialises publishes of one s3dir with S3 conditional writes on
 * `{s3dir}layer/.publish.lock`:
 *  - taken with If-None-Match: * (exactly one writer wins);
 *  - renewed by a heartbeat (If-Match on our ETag) while the run lives, so it
 *    expires `staleAfterMs` after its holder dies (kill -9, a cancelled CI
 *    job). Expiry compares the object's LastModified with the Date of the S3
 *    answer that reported it: both are S3's clock, so a skewed clock on either
 *    machine changes nothing;
 *  - taken over at once (If-Match on its ETag) when its holder is a process
 *    of this machine that no longer runs;
 *  - recognised as ours by the owner token in its body when the answer to our
 *    own PUT was lost (the SDK's retry then meets 412 Precondition Failed);
 *  - released with If-Match on our ETag, so a run never deletes a lock another
 *    run took over.
 */
export class PublishLock {
  private held: HeldLock | undefined;
  private lostReason: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The renewal in flight, awaited by release(). */
  private renewing: Promise<void> = Promise.resolve();
  private readonly owner = randomUUID();
  private readonly logger: Logger;

  constructor(
    private readonly s3: S3Client,
    readonly path: S3Path,
    private readonly options: PublishLockOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  get isHeld(): boolean {
    return this.held !== undefined && this.lostReason === undefined;
  }

  /** Takes the lock, waiting for another live run's lock up to `waitMs`; then keeps it renewed until release(). */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    let announced: string | undefined;
    for (;;) {
      this.throwIfInterrupted();
      if (await this.tryAcquire()) break;
      const current = await this.readCurrent();
      if (!current) continue; // released meanwhile: try again at once
      if (this.isOurs(current)) {
        this.adopt(current);
        break;
      }
      if (this.isExpired(current)) {
        if (await this.takeOver(current, `its lease ran out ${describeHolder(current.body)}`)) break;
        continue;
      }
      if (isDeadLocalProcess(current.body)) {
        if (await this.takeOver(current, `its process (pid ${current.body?.pid}) is gone from this machine`)) break;
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LayerError(
          ErrorCodes.PUBLISH_LOCKED,
          `another publish holds ${this.path.uri} (${describeHolder(current.body)}, ${describeExpiry(current, this.options.staleAfterMs)})`,
          {
            hint: `wait for it to finish and run again, or run \`layer publish --force-unlock\` if no publish is running; a dead run's lock expires ${Math.round(this.options.staleAfterMs / 1000)}s after its last renewal`,
            details: { lock: this.path.uri, ...(current.body ? { holder: current.body } : {}) },
          },
        );
      }
      const line = `waiting for the publish lock ${this.path.uri}: ${describeHolder(current.body)}; ${describeExpiry(current, this.options.staleAfterMs)}`;
      if (current.body?.owner !== announced) {
        this.logger.info(line);
        announced = current.body?.owner;
      }
      try {
        await delay(this.options.pollMs, undefined, this.options.signal ? { signal: this.options.signal } : {});
      } catch (error) {
        if (isAbortError(error)) this.throwIfInterrupted();
        throw error;
      }
    }
    this.startHeartbeat();
  }

  /** One attempt: create the lock object only if none exists. */
  async tryAcquire(): Promise<boolean> {
    return this.write({ IfNoneMatch: '*' }, 'create the publish lock');
  }

  /**
   * Throws unless the lock is still ours: called right before the one call
   * that must never run twice (PublishLayerVersion).
   */
  assertHeld(): void {
    if (this.lostReason !== undefined) {
      throw new LayerError(
        ErrorCodes.PUBLISH_LOCK_LOST,
        `lost the publish lock ${this.path.uri} before publishing: ${this.lostReason}; nothing was published by this run`,
        {
          hint: 'run `layer publish` again',
          details: { lock: this.path.uri },
        },
      );
    }
    if (!this.held)
      throw new LayerError(ErrorCodes.PUBLISH_LOCK_LOST, `the publish lock ${this.path.uri} is not held`, { hint: 'call acquire() first' });
  }

  /** Renews the lock now (the heartbeat calls this); a lock taken over by another run is marked lost. */
  async renew(): Promise<void> {
    const held = this.held;
    if (!held || this.lostReason !== undefined) return;
    try {
      if (await this.write({ IfMatch: `"${held.etag}"` }, 'renew the publish lock')) return;
      const current = await this.readCurrent();
      this.lostReason = current ? `another run took it over (${describeHolder(current.body)})` : 'it was removed (layer publish --force-unlock?)';
    } catch (error) {
      // A renewal that fails on the network is tried again at the next beat; past the lease, the lock is gone.
      if (Date.now() - held.writtenAt > this.options.staleAfterMs)
        this.lostReason = `it could not be renewed for ${Math.round(this.options.staleAfterMs / 1000)}s (${(error as Error).message})`;
      else this.logger.debug(`could not renew the publish lock: ${(error as Error).message}`);
    }
    if (this.lostReason !== undefined) this.logger.warn(`lost the publish lock ${this.path.uri}: ${this.lostReason}`);
  }

  /** Releases our lock; a lock someone took over is left alone. `signal` bounds the DELETE (after Ctrl-C). */
  async release(signal?: AbortSignal): Promise<void> {
    this.stopHeartbeat();
    await this.renewing;
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    if (this.lostReason !== undefined) return;
    try {
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.path.bucket, Key: this.path.key, ...(held.etag ? { IfMatch: `"${held.etag}"` } : {}) }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (isConditionFailed(error) || isNotFound(error)) {
        // Our own DELETE whose answer was lost, retried by the SDK, also lands here: only another holder is worth a word.
        const current = await this.readCurrent(signal).catch(() => undefined);
        if (current && current.body?.owner !== this.owner) {
          this.logger.warn(`the publish lock ${this.path.uri} was taken over by another run before this one released it`);
        }
        return;
      }
      // Not fatal for the publish itself: the lock expires once its heartbeat stopped.
      this.logger.warn(
        `could not release the publish lock ${this.path.uri}: ${(error as Error).message.split('\n')[0]}; it expires by itself within ${Math.round(this.options.staleAfterMs / 1000)}s`,
      );
    }
  }

  /**
   * Removes the lock whoever holds it (`layer publish --force-unlock`) and
   * returns what it held, or undefined when there was none. Deletes with
   * If-Match on the ETag it read, so what it reports is what it removed.
   */
  async forceUnlock(): Promise<CurrentLock | undefined> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.readCurrent();
      if (!current) return undefined;
      try {
        await this.s3.send(
          new DeleteObjectCommand({ Bucket: this.path.bucket, Key: this.path.key, ...(current.etag ? { IfMatch: `"${current.etag}"` } : {}) }),
          { abortSignal: this.options.signal },
        );
        return current;
      } catch (error) {
        if (isNotFound(error)) return current;
        if (!isConditionFailed(error)) throw toLayerErrorFromAws(error, `remove the publish lock ${this.path.uri}`, { service: 'S3' });
        // Renewed or replaced between our read and delete: read again.
      }
    }
    throw new LayerError(ErrorCodes.PUBLISH_LOCKED, `the publish lock ${this.path.uri} changed three times while removing it: a publish is running`, {
      hint: 'let it finish, then run again',
    });
  }

  /** True when the lock's last write is older than the lease, both times read from S3's clock. */
  isExpired(current: CurrentLock): boolean {
    if (!current.lastModified) return false;
    const now = current.serverDate?.getTime() ?? Date.now();
    return now - current.lastModified.getTime() > this.options.staleAfterMs;
  }

  /** True when the lock object is the one this run wrote (its owner token is ours). */
  isOurs(current: CurrentLock): boolean {
    return current.body?.owner === this.owner;
  }

  /** Takes the lock object this run wrote as held (after the answer to our write was lost). */
  private adopt(current: CurrentLock): true {
    this.held = { etag: current.etag, body: current.body as PublishLockBody, writtenAt: Date.now() };
    return true;
  }

  /** Reads the lock object; undefined when there is none. */
  async readCurrent(signal: AbortSignal | undefined = this.options.signal): Promise<CurrentLock | undefined> {
    const command = new GetObjectCommand({ Bucket: this.path.bucket, Key: this.path.key });
    const clock = captureServerDate(command);
    try {
      const response = await this.s3.send(command, { abortSignal: signal });
      const text = (await response.Body?.transformToString()) ?? '';
      let body: PublishLockBody | undefined;
      try {
        body = JSON.parse(text) as PublishLockBody;
      } catch {
        body = undefined;
      }
      return { etag: bareEtag(response.ETag), lastModified: response.LastModified, serverDate: clock.date, body };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      this.throwIfInterrupted();
      throw toLayerErrorFromAws(error, `read the publish lock ${this.path.uri}`, { service: 'S3' });
    }
  }

  private newBody(acquiredAt?: string): PublishLockBody {
    const now = new Date();
    return {
      owner: this.owner,
      ...currentProcessIdentity(),
      acquiredAt: acquiredAt ?? now.toISOString(),
      renewedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.options.staleAfterMs).toISOString(),
      leaseSeconds: Math.round(this.options.staleAfterMs / 1000),
    };
  }

  /**
   * One conditional PUT of a fresh body; true when the lock is ours after it.
   * A failed condition, or an answer that never came, may hide our own write
   * (the SDK retries a lost answer and the retry meets our own object): the
   * lock is then read, and it is ours exactly when it carries our owner token.
   */
  private async write(condition: { IfNoneMatch: string } | { IfMatch: string }, doing: string): Promise<boolean> {
    const body = this.newBody(this.held?.body.acquiredAt);
    try {
      const response = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.path.bucket,
          Key: this.path.key,
          Body: JSON.stringify(body),
          ContentType: 'application/json',
          ...condition,
        }),
        { abortSignal: this.options.signal },
      );
      this.held = { etag: bareEtag(response.ETag), body, writtenAt: Date.now() };
      return true;
    } catch (error) {
      this.throwIfInterrupted();
      const conditionFailed = isConditionFailed(error) || ('IfMatch' in condition && isNotFound(error));
      if (!conditionFailed && !isOutcomeUnknown(error)) throw toLayerErrorFromAws(error, `${doing} ${this.path.uri}`, { service: 'S3' });
      const current = await this.readCurrent().catch(() => undefined);
      if (current && this.isOurs(current)) {
        this.logger.debug(`the answer to our ${doing} request was lost; the lock carries our owner token: it is ours`);
        return this.adopt(current);
      }
      if (conditionFailed) return false;
      throw toLayerErrorFromAws(error, `${doing} ${this.path.uri}`, { service: 'S3' });
    }
  }

  /** Replaces an expired or dead holder's lock, only if it is still the same object (If-Match). */
  private async takeOver(current: CurrentLock, why: string): Promise<boolean> {
    if (!current.etag) return false;
    if (!(await this.write({ IfMatch: `"${current.etag}"` }, 'take over the publish lock'))) return false;
    this.logger.warn(`took over the publish lock ${this.path.uri}: ${why}`);
    return true;
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, this.options.heartbeatMs);
    // The heartbeat alone never keeps the process alive.
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private throwIfInterrupted(): void {
    if (!this.options.signal?.aborted) return;
    const when = this.held ? 'while holding' : 'while waiting for';
    throw interruptedError(
      this.options.signal,
      `stopped ${when} the publish lock ${this.path.uri}; nothing was published`,
      'run `layer publish` again',
    );
  }
}

/** "held by pid 123 on host since 2026-…" */
export function describeHolder(body: PublishLockBody | undefined): string {
  return body ? `held by pid ${body.pid} on ${body.host} since ${body.acquiredAt}` : 'holder unknown';
}

/** Until when the lock holds unless renewed, on S3's clock. */
function describeExpiry(current: CurrentLock, leaseMs: number): string {
  if (!current.lastModified) return 'expiry unknown';
  return `it expires at ${new Date(current.lastModified.getTime() + leaseMs).toISOString()} unless renewed`;
}
