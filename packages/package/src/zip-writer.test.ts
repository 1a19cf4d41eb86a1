import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { writeZip, type ZipInputEntry } from './zip-writer.js';

const temp = useTempDir('zip-writer-');

/** Python's zipfile reads every entry back: name, method, mode, date and a digest of the content. */
interface PythonZipEntry {
  name: string;
  method: number;
  mode: number;
  date: number[];
  sha: string;
  size: number;
}

function pythonRead(zipPath: string): PythonZipEntry[] {
  const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps([{"name": i.filename, "method": i.compress_type, "mode": i.external_attr >> 16, "date": list(i.date_time), "size": i.file_size,
                       "sha": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as PythonZipEntry[];
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function file(name: string, data: Buffer, mode = 0o644): Promise<ZipInputEntry & { data: Buffer }> {
  const source = join(temp.path, name.replace(/\//g, '_'));
  await writeFile(source, data);
  await chmod(source, mode);
  return { name, directory: false, source, size: data.length, executable: (mode & 0o111) !== 0, data };
}

describe('writeZip', () => {
  it('writes entries that unzip -t and Python zipfile accept, with content, modes and a fixed 1980 date', async () => {
    const text = Buffer.from('import os\n'.repeat(5000));
    const entries = [
      { name: 'python/', directory: true, size: 0, executable: false },
      await file('python/a.py', text),
      await file('python/empty.txt', Buffer.alloc(0)),
      await file('python/random.bin', randomBytes(50_000)),
      await file('python/bin/tool', Buffer.from('#!/bin/sh\necho hi\n'), 0o775),
      await file('python/ünïcode.py', Buffer.from('x = 1\n')),
      // Larger than chunkBytes: compressed in parallel chunks, one deflate stream.
      await file('python/big.txt', Buffer.concat([randomBytes(100_000), Buffer.from('abcdefgh'.repeat(60_000)), randomBytes(50_000)])),
    ];
    const zipPath = join(temp.path, 'a.zip');
    const summary = await writeZip(entries, zipPath, { level: 6, chunkBytes: 64 * 1024, maxInFlightBytes: 256 * 1024, concurrency: 2 });
    expect(summary.entries).toBe(entries.length);
    expect(summary.zippedBytes).toBe((await readFile(zipPath)).length);
    execFileSync('unzip', ['-tq', zipPath]);

    const read = new Map(pythonRead(zipPath).map((entry) => [entry.name, entry]));
    expect([...read.keys()]).toEqual(entries.map((entry) => entry.name));
    for (const entry of entries) {
      const got = read.get(entry.name)!;
      expect(got.date).toEqual([1980, 1, 1, 0, 0, 0]);
      if (entry.directory) {
        expect(got.mode).toBe(0o40755);
        continue;
      }
      const data = (entry as { data: Buffer }).data;
      expect(got.sha, entry.name).toBe(sha(data));
      expect(got.mode, entry.name).toBe(entry.executable ? 0o100755 : 0o100644);
    }
    expect(read.get('python/a.py')!.method).toBe(8);
    expect(read.get('python/big.txt')!.method).toBe(8);
    // Deflate would grow random bytes: stored instead, as zip(1) does.
    expect(read.get('python/random.bin')!.method).toBe(0);
    expect(read.get('python/empty.txt')!.method).toBe(0);
  });

  it('gives the same bytes whatever the concurrency, chunk scheduling or in-flight bound', async () => {
    const entries = [await file('python/x.txt', Buffer.from('hello world '.repeat(100_000))), await file('python/y.bin', randomBytes(300_000))];
    const one = join(temp.path, 'one.zip');
    const two = join(temp.path, 'two.zip');
    await writeZip(entries, one, { level: 9, concurrency: 1, chunkBytes: 128 * 1024, maxInFlightBytes: 1 });
    await writeZip(entries, two, { level: 9, concurrency: 4, chunkBytes: 128 * 1024 });
    expect((await readFile(one)).equals(await readFile(two))).toBe(true);
  });

  it('stores everything at level 0, chunked files included', async () => {
    const entries = [await file('python/s.txt', Buffer.from('s'.repeat(300_000)))];
    const zipPath = join(temp.path, 'stored.zip');
    await writeZip(entries, zipPath, { level: 0, chunkBytes: 64 * 1024 });
    execFileSync('unzip', ['-tq', zipPath]);
    expect(pythonRead(zipPath)[0]!.sha).toBe(sha(entries[0]!.data));
  });

  it('writes ZIP64 end records when there are more than 65,535 entries', async () => {
    const many: ZipInputEntry[] = Array.from({ length: 70_000 }, (_, i) => ({
      name: `python/d${String(i).padStart(5, '0')}/`,
      directory: true,
      size: 0,
      executable: false,
    }));
    const manyPath = join(temp.path, 'many.zip');
    const summary = await writeZip(many, manyPath, { level: 6 });
    expect(summary.entries).toBe(70_000);
    const count = execFileSync('python3', ['-c', 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))', manyPath], {
      encoding: 'utf8',
    });
    expect(Number(count)).toBe(70_000);
    execFileSync('unzip', ['-tq', manyPath]);
  });

  it('writes ZIP64 sizes and offsets past 4 GiB (a stored sparse file of zeros, then a small file)', async () => {
    const size = 4 * 1024 ** 3 + 12_345;
    const source = join(temp.path, 'huge.bin');
    execFileSync('truncate', ['-s', String(size), source]);
    const zipPath = join(temp.path, 'huge.zip');
    const after = await file('python/zz.txt', Buffer.from('after the 4 GiB'));
    try {
      // Level 0 stores: the zip itself passes 4 GiB, so the next local header, the central directory
      // and the end records need their ZIP64 forms, as well as the big entry's sizes.
      const entries = [{ name: 'python/huge.bin', directory: false, source, size, executable: false }, after];
      const summary = await writeZip(entries, zipPath, { level: 0 });
      expect(summary.unzippedBytes).toBe(size + after.size);
      // Python's zipfile reads the sizes and offsets from the ZIP64 fields and checks each CRC-32 as it streams.
      const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    huge, small = z.infolist()
    read = 0
    with z.open(huge) as f:
        while chunk := f.read(1 << 24):
            read += len(chunk)
            assert chunk.count(0) == len(chunk)
    print(huge.filename, huge.file_size, read, huge.extract_version)
    print(small.filename, small.header_offset >= 1 << 32, z.read(small).decode(), small.extract_version)
`;
      const out = execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8' }).trim();
      expect(out).toBe(`python/huge.bin ${size} ${size} 45\npython/zz.txt True after the 4 GiB 45`);
    } finally {
      await rm(source, { force: true });
      await rm(zipPath, { force: true });
    }
  }, 600_000);

  it('fails when a file changed size after the scan', async () => {
    const entry = await file('python/changed.txt', Buffer.from('12345'));
    await expect(writeZip([{ ...entry, size: 3 }], join(temp.path, 'changed.zip'), { level: 6 })).rejects.toMatchObject({
      code: 'E_ARTIFACTS_CHANGED',
    });
  });
});
