/**
 * A small ZIP writer that compresses in parallel.
 *
 * Why by hand: yazl, archiver and adm-zip deflate one entry at a time on a
 * single zlib stream, so they use one core; fflate's async zip() spreads whole
 * files over worker threads but holds every input and output in memory. None
 * splits a large file into independently compressed pieces, streams with
 * bounded memory, or reuses pieces compressed by an earlier run. Here every
 * file (and every `chunkBytes` piece of a large file) is deflated by Node's
 * async zlib, which runs on the libuv thread pool, so all cores work; results
 * are written strictly in entry order, so the output is byte-identical however
 * the work was scheduled.
 *
 * Large files are cut into chunks compressed like pigz does: each chunk is
 * primed with the previous chunk's last 32 KiB as a dictionary and ends with a
 * sync flush (byte-aligned, not final), the last one with a final block, so the
 * concatenation is one valid deflate stream that costs about 5 bytes per chunk.
 *
 * Memory stays bounded: a chunk is read only when the bytes read but not yet
 * written fit in `maxInFlightBytes`. Files are read with synchronous calls on
 * purpose: the main thread only feeds the pool, and on two cores the promise
 * API's per-call overhead (four round trips per small file) costs more CPU
 * than the reads themselves, which come from the page cache.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import zlib from 'node:zlib';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { type CompressedCache, pieceKey } from './compressed-cache.js';
import {
  type CentralEntry,
  centralRecord,
  endRecords,
  localHeader,
  localSizes,
  METHOD_DEFLATED,
  METHOD_STORED,
  needsZip64Local,
  sizes64,
} from './zip-format.js';

export interface ZipInputEntry {
  /** The name in the archive, `/`-separated; a directory's ends with `/`. */
  name: string;
  directory: boolean;
  /** The file to read (a symlink's target path works too). */
  source?: string;
  /** Size found when the tree was scanned; a file that changed since is an error. */
  size: number;
  executable: boolean;
}

export interface ZipWriteOptions {
  /** Deflate level 0-9 (0 stores). */
  level: number;
  /** Parallel compressions; defaults to cores + 1 (the main thread is idle while it waits). */
  concurrency?: number;
  /** Bytes read from disk but not yet written to the zip. */
  maxInFlightBytes?: number;
  /** Files larger than this are compressed in chunks of this size, in parallel. */
  chunkBytes?: number;
  /** Reuses compressed pieces of an earlier run, keyed by content hash. */
  cache?: CompressedCache;
  /** Called with the uncompressed bytes written so far. */
  onProgress?: (bytesDone: number) => void;
  /** Stops writing (between entries and chunks): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ZipWriteSummary {
  entries: number;
  zippedBytes: number;
  unzippedBytes: number;
}

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
const DICTIONARY_BYTES = 32 * 1024;
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** Appends to a file through a buffer; `patch` rewrites bytes already written (a local header's sizes). */
class FileSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  position = 0;
  private flushedTo = 0;

  constructor(private readonly handle: FileHandle) {}

  async write(data: Buffer): Promise<void> {
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.position += data.length;
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, this.flushedTo + done);
      done += bytesWritten;
    }
    this.flushedTo += data.length;
  }

  async patch(position: number, data: Buffer): Promise<void> {
    await this.flush();
    await this.handle.write(data, 0, data.length, position);
  }
}

/** Limits how many compressions run at once, so the thread pool keeps a thread free for file I/O. */
class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * One more compression than cores (the main thread, which reads and writes,
 * sleeps in between), but one thread fewer than libuv's pool (4 unless
 * UV_THREADPOOL_SIZE says otherwise), which must stay free for file writes.
 */
export function defaultConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism() + 1, pool - 1));
}

function deflateChunk(data: Buffer, level: number, dictionary: Buffer | undefined, last: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.deflateRaw(
      data,
      {
        level,
        // One output buffer big enough for the whole result: the default 16 KiB
        // makes the thread pool hand back every 16 KiB to the main thread and wait.
        chunkSize: Math.max(64 * 1024, data.length + (data.length >> 6) + 1024),
        ...(dictionary ? { dictionary } : {}),
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

interface FileState {
  entry: ZipInputEntry;
  central: CentralEntry;
  crc: number;
  headerCrcOffset: number;
  headerSizesOffset: number;
}

type Work =
  | { kind: 'directory'; entry: ZipInputEntry }
  | { kind: 'whole'; entry: ZipInputEntry; raw: Buffer; crc: number; compressed: Promise<Buffer | undefined>; reserved: number; key?: string }
  | { kind: 'chunk'; file: FileState; index: number; last: boolean; compressed: Promise<Buffer>; rawBytes: number; reserved: number; key?: string };

function changedWhilePackaging(entry: ZipInputEntry): LayerError {
  return new LayerError(ErrorCodes.ARTIFACTS_CHANGED, `${entry.name} changed while it was being packaged`, {
    hint: 'do not modify build/lambda/layer/artifacts/python while `layer package` runs, then run it again',
  });
}

/** An async queue between the reader (in entry order) and the writer (same order), bounded by bytes. */
class WorkQueue {
  private items: Work[] = [];
  private inFlight = 0;
  private notifyWriter: (() => void) | undefined;
  private notifyReader: (() => void) | undefined;
  closed = false;
  failed: Error | undefined;

  constructor(private readonly maxBytes: number) {}

  /** Waits until `bytes` more fit (always lets one item through when empty). */
  async reserve(bytes: number): Promise<void> {
    while (this.inFlight > 0 && this.inFlight + bytes > this.maxBytes) {
      if (this.failed) throw this.failed;
      await new Promise<void>((resolve) => (this.notifyReader = resolve));
    }
    if (this.failed) throw this.failed;
    this.inFlight += bytes;
  }

  push(work: Work): void {
    this.items.push(work);
    this.notifyWriter?.();
  }

  close(): void {
    this.closed = true;
    this.notifyWriter?.();
  }

  async next(): Promise<Work | undefined> {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.notifyWriter = resolve));
    }
    return this.items.shift();
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    this.notifyReader?.();
  }

  fail(error: unknown): void {
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.notifyReader?.();
  }
}

/**
 * Writes `entries`, in the given order, as a ZIP archive to `outPath`
 * (created or truncated). The caller orders the entries and writes to a temp
 * file it renames, so a crash never leaves a half-written archive in place.
 */
export async function writeZip(entries: readonly ZipInputEntry[], outPath: string, options: ZipWriteOptions): Promise<ZipWriteSummary> {
  const level = options.level;
  const cache = options.cache;
  const chunkBytes = Math.max(DICTIONARY_BYTES * 2, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const maxInFlight = Math.max(chunkBytes * 2, options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES);
  const gate = new Semaphore(Math.max(1, options.concurrency ?? defaultConcurrency()));
  const queue = new WorkQueue(maxInFlight);

  const compress = async (data: Buffer, dictionary: Buffer | undefined, last: boolean): Promise<Buffer> => {
    await gate.acquire();
    try {
      return await deflateChunk(data, level, dictionary, last);
    } finally {
      gate.release();
    }
  };

  const reader = async (): Promise<void> => {
    for (const entry of entries) {
      if (queue.failed) return;
      options.signal?.throwIfAborted();
      if (entry.directory) {
        queue.push({ kind: 'directory', entry });
        continue;
      }
      const source = entry.source as string;
      if (entry.size <= chunkBytes) {
        await queue.reserve(entry.size);
        const raw = readFileSync(source);
        if (raw.length !== entry.size) throw changedWhilePackaging(entry);
        const crc = zlib.crc32(raw);
        const key = cache && level > 0 && raw.length > 0 ? pieceKey(level, true, undefined, raw) : undefined;
        const hit = key ? cache?.get(key, raw.length) : undefined;
        // Level 0 and empty files are stored; so is anything deflate would not shrink.
        const compressed =
          level === 0 || raw.length === 0
            ? Promise.resolve(undefined)
            : hit !== undefined
              ? Promise.resolve(hit === 'stored' ? undefined : hit)
              : compress(raw, undefined, true).then((out) => (out.length < raw.length ? out : undefined));
        // A rejected promise is awaited by the writer; mark it handled so Node does not report it early.
        compressed.catch(() => {});
        queue.push({ kind: 'whole', entry, raw, crc, compressed, reserved: entry.size, ...(key ? { key } : {}) });
        continue;
      }
      const zip64Local = needsZip64Local(entry.size);
      const file: FileState = {
        entry,
        crc: 0,
        headerCrcOffset: 0,
        headerSizesOffset: 0,
        central: {
          name: entry.name,
          directory: false,
          executable: entry.executable,
          method: METHOD_DEFLATED,
          crc32: 0,
          compressedSize: 0,
          uncompressedSize: entry.size,
          localHeaderOffset: 0,
          zip64Local,
        },
      };
      const fd = openSync(source, 'r');
      try {
        const count = Math.ceil(entry.size / chunkBytes);
        let previous: Buffer | undefined;
        for (let index = 0; index < count; index += 1) {
          const length = Math.min(chunkBytes, entry.size - index * chunkBytes);
          await queue.reserve(length);
          options.signal?.throwIfAborted();
          const raw = Buffer.allocUnsafe(length);
          let got = 0;
          while (got < length) {
            const bytesRead = readSync(fd, raw, got, length - got, index * chunkBytes + got);
            if (bytesRead === 0) throw changedWhilePackaging(entry);
            got += bytesRead;
          }
          file.crc = zlib.crc32(raw, file.crc);
          const last = index === count - 1;
          const dictionary = previous ? Buffer.from(previous.subarray(previous.length - DICTIONARY_BYTES)) : undefined;
          const key = cache && level > 0 ? pieceKey(level, last, dictionary, raw) : undefined;
          const hit = key ? cache?.get(key, length + (length >> 4) + 1024) : undefined;
          const compressed =
            level === 0
              ? Promise.resolve(deflateStoredFallback(raw, last))
              : hit instanceof Buffer
                ? Promise.resolve(hit)
                : compress(raw, dictionary, last);
          compressed.catch(() => {});
          queue.push({ kind: 'chunk', file, index, last, compressed, rawBytes: length, reserved: length, ...(key ? { key } : {}) });
          previous = raw;
        }
        const extra = Buffer.alloc(1);
        if (readSync(fd, extra, 0, 1, entry.size) !== 0) throw changedWhilePackaging(entry);
      } finally {
        closeSync(fd);
      }
    }
  };

  const handle = await open(outPath, 'w');
  const sink = new FileSink(handle);
  const central: CentralEntry[] = [];
  let unzippedBytes = 0;

  const writer = async (): Promise<void> => {
    for (let work = await queue.next(); work; work = await queue.next()) {
      options.signal?.throwIfAborted();
      if (work.kind === 'directory') {
        const entry: CentralEntry = {
          name: work.entry.name,
          directory: true,
          executable: false,
          method: METHOD_STORED,
          crc32: 0,
          compressedSize: 0,
          uncompressedSize: 0,
          localHeaderOffset: sink.position,
          zip64Local: false,
        };
        central.push(entry);
        await sink.write(localHeader(entry).bytes);
      } else if (work.kind === 'whole') {
        const deflated = await work.compressed;
        if (work.key) cache?.put(work.key, deflated ?? 'stored');
        const data = deflated ?? work.raw;
        const entry: CentralEntry = {
          name: work.entry.name,
          directory: false,
          executable: work.entry.executable,
          method: deflated ? METHOD_DEFLATED : METHOD_STORED,
          crc32: work.crc,
          compressedSize: data.length,
          uncompressedSize: work.raw.length,
          localHeaderOffset: sink.position,
          zip64Local: false,
        };
        central.push(entry);
        await sink.write(localHeader(entry).bytes);
        await sink.write(data);
        unzippedBytes += work.raw.length;
        queue.release(work.reserved);
        options.onProgress?.(unzippedBytes);
      } else {
        const { file } = work;
        if (work.index === 0) {
          file.central.localHeaderOffset = sink.position;
          const header = localHeader(file.central);
          file.headerCrcOffset = sink.position + header.crcOffset;
          file.headerSizesOffset = sink.position + header.sizesOffset;
          central.push(file.central);
          await sink.write(header.bytes);
        }
        const data = await work.compressed;
        if (work.key) cache?.put(work.key, data);
        await sink.write(data);
        file.central.compressedSize += data.length;
        unzippedBytes += work.rawBytes;
        queue.release(work.reserved);
        options.onProgress?.(unzippedBytes);
        if (work.last) {
          // The reader finished this file's CRC before queuing its last chunk.
          file.central.crc32 = file.crc;
          await sink.patch(file.headerCrcOffset, localSizes(file.central));
          if (file.central.zip64Local) await sink.patch(file.headerSizesOffset, sizes64(file.central));
        }
      }
    }
  };

  try {
    const reading = reader().then(
      () => queue.close(),
      (error: unknown) => {
        queue.fail(error);
        queue.close();
        throw error;
      },
    );
    const writing = writer().catch((error: unknown) => {
      queue.fail(error);
      throw error;
    });
    // Both settle before the file is closed, so no write lands on a closed handle.
    const [read, written] = await Promise.allSettled([reading, writing]);
    if (read.status === 'rejected') throw read.reason;
    if (written.status === 'rejected') throw written.reason;
    const centralOffset = sink.position;
    for (const entry of central) await sink.write(centralRecord(entry));
    const centralSize = sink.position - centralOffset;
    await sink.write(endRecords(central.length, centralOffset, centralSize));
    await sink.flush();
    return { entries: central.length, zippedBytes: sink.position, unzippedBytes };
  } finally {
    await handle.close();
  }
}

/** Level 0 for a chunked file: deflate "stored" blocks, so the entry stays one deflate stream. */
function deflateStoredFallback(raw: Buffer, last: boolean): Buffer {
  return zlib.deflateRawSync(raw, { level: 0, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });
}
