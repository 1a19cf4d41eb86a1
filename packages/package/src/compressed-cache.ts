/**
 * Compressed bytes of the last packaging run, keyed by a hash of what went
 * into deflate (the bytes, the dictionary, the level, whether it was the last
 * chunk), so a re-package deflates only what changed. Deflate is
 * deterministic for the same zlib, so a cached piece is exactly what
 * compressing again would give; the cache is dropped when zlib's version differs.
 *
 * On disk (build/lambda/layer/.package-cache/): `index.json` names a blob
 * file and each key's offset and length in it. A run writes a fresh blob and
 * index holding only what it used, then swaps them in (index last), so the
 * cache never grows past one layer's compressed size.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFileOwner, writeFileAtomically } from '@lambda-layer/core';

const INDEX = 'index.json';
const VERSION = 1;

interface CacheIndex {
  version: number;
  zlib: string;
  blob: string;
  /** key -> [offset, length]; length -1 means "stored, not deflated". */
  entries: Record<string, [number, number]>;
}

export type CachedPiece = Buffer | 'stored';

export interface CompressedCache {
  get(key: string, expectedMaxLength: number): CachedPiece | undefined;
  put(key: string, piece: CachedPiece): void;
}

/** The cache key of one deflate call. */
export function pieceKey(level: number, last: boolean, dictionary: Buffer | undefined, data: Buffer): string {
  const hash = createHash('sha256');
  hash.update(`${level}:${last ? 1 : 0}:${dictionary?.length ?? 0}:${data.length}:`);
  if (dictionary) hash.update(dictionary);
  hash.update(data);
  return hash.digest('base64');
}

export class FileCompressedCache implements CompressedCache {
  hits = 0;
  misses = 0;
  hitBytes = 0;
  private readonly oldFd: number | undefined;
  private readonly newBlob: string;
  private readonly newFd: number;
  private newOffset = 0;
  private readonly newEntries: Record<string, [number, number]> = {};
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly old: CacheIndex | undefined,
  ) {
    this.oldFd = old ? openSync(join(dir, old.blob), 'r') : undefined;
    this.newBlob = `blob-${randomBytes(6).toString('hex')}.bin`;
    this.newFd = openSync(join(dir, this.newBlob), 'w');
  }

  /** Opens the cache in `dir` (created if missing); an unreadable or foreign cache is ignored. */
  static async open(dir: string): Promise<FileCompressedCache> {
    await mkdir(dir, { recursive: true });
    let old: CacheIndex | undefined;
    try {
      const index = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as CacheIndex;
      if (index.version === VERSION && index.zlib === process.versions.zlib && typeof index.blob === 'string') {
        old = index;
        // Fails (and drops the cache) when the blob is gone.
        closeSync(openSync(join(dir, index.blob), 'r'));
      }
    } catch {
      old = undefined;
    }
    return new FileCompressedCache(dir, old);
  }

  get(key: string, expectedMaxLength: number): CachedPiece | undefined {
    const found = this.old?.entries[key];
    if (!found || this.oldFd === undefined) {
      this.misses += 1;
      return undefined;
    }
    const [offset, length] = found;
    if (length < 0) {
      this.hits += 1;
      return 'stored';
    }
    if (length > expectedMaxLength) return undefined;
    const piece = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.oldFd, piece, got, length - got, offset + got);
      if (n === 0) return undefined;
      got += n;
    }
    this.hits += 1;
    this.hitBytes += length;
    return piece;
  }

  put(key: string, piece: CachedPiece): void {
    if (this.newEntries[key]) return;
    if (piece === 'stored') {
      this.newEntries[key] = [0, -1];
      return;
    }
    let done = 0;
    while (done < piece.length) done += writeSync(this.newFd, piece, done, piece.length - done, this.newOffset + done);
    this.newEntries[key] = [this.newOffset, piece.length];
    this.newOffset += piece.length;
  }

  private closeFds(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.oldFd !== undefined) closeSync(this.oldFd);
    closeSync(this.newFd);
  }

  /** Makes this run's pieces the cache and deletes the previous blob. */
  async commit(): Promise<void> {
    this.closeFds();
    const index: CacheIndex = { version: VERSION, zlib: process.versions.zlib, blob: this.newBlob, entries: this.newEntries };
    await writeFileAtomically(join(this.dir, INDEX), JSON.stringify(index));
    await this.removeOtherBlobs(this.newBlob);
  }

  /** Leaves the previous cache as it was (a failed run). */
  async discard(): Promise<void> {
    this.closeFds();
    await rm(join(this.dir, this.newBlob), { force: true });
  }

  private async removeOtherBlobs(keep: string): Promise<void> {
    for (const name of await readdir(this.dir)) {
      // Blobs of earlier runs, and what killed runs left (their blobs and index temp files).
      if ((name.startsWith('blob-') && name !== keep) || tempFileOwner(name, INDEX) !== undefined) await rm(join(this.dir, name), { force: true });
    }
  }
}
