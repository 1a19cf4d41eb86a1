import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageResult } from '@lambda-layer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeFingerprint, unchangedResult, writePackageStamp } from './package-stamp.js';
import type { ScannedEntry, TreeScan } from './scan-tree.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stamp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (over: Partial<ScannedEntry> = {}): ScannedEntry => ({
  name: 'python/a.py', relPath: 'a.py', directory: false, source: '/x/a.py', size: 3, executable: false, mtimeMs: 1000, mode: 0o100644, ...over,
});
const scan = (entries: ScannedEntry[], excluded: TreeScan['excluded'] = []): TreeScan => ({ entries, files: entries.length, unzippedBytes: 3, excluded });
const options = { ignore: [], defaultIgnore: true, keepBytecode: false, compressionLevel: 6 };

describe('treeFingerprint', () => {
  it('changes with any entry fact, what was excluded, or an option', () => {
    const base = treeFingerprint(scan([entry()]), options);
    expect(treeFingerprint(scan([entry()]), options)).toBe(base);
    for (const changed of [{ size: 4 }, { mtimeMs: 1001 }, { mode: 0o100755 }, { name: 'python/b.py' }, { source: '/y/a.py' }]) {
      expect(treeFingerprint(scan([entry(changed)]), options)).not.toBe(base);
    }
    expect(treeFingerprint(scan([entry()], [{ name: 'boto3', files: 1, bytes: 2 }]), options)).not.toBe(base);
    expect(treeFingerprint(scan([entry()]), { ...options, compressionLevel: 9 })).not.toBe(base);
    expect(treeFingerprint(scan([entry()]), { ...options, ignore: ['tests'] })).not.toBe(base);
    expect(treeFingerprint(scan([entry()]), { ...options, keepBytecode: true })).not.toBe(base);
    expect(treeFingerprint(scan([entry()]), { ...options, defaultIgnore: false })).not.toBe(base);
  });
});

describe('unchangedResult', () => {
  it('returns the stamped result only while the zip on disk is the stamped one', async () => {
    const zip = join(dir, 'layer.zip');
    const stamp = join(dir, '.package-stamp.json');
    await writeFile(zip, 'zip bytes');
    const result: PackageResult = { status: 'packaged', zipPath: zip, zippedBytes: 9, unzippedBytes: 3, files: 1, sha256: { hex: 'h', base64: 'b' }, excluded: [] };
    await writePackageStamp(stamp, zip, 'f1', result);
    expect(await unchangedResult(stamp, zip, 'f1')).toEqual({ ...result, status: 'unchanged' });
    expect(await unchangedResult(stamp, zip, 'f2')).toBeUndefined();
    await utimes(zip, new Date(), new Date('2000-01-01'));
    expect(await unchangedResult(stamp, zip, 'f1')).toBeUndefined();
    await rm(zip);
    expect(await unchangedResult(stamp, zip, 'f1')).toBeUndefined();
    expect(await unchangedResult(join(dir, 'missing.json'), zip, 'f1')).toBeUndefined();
  });
});
