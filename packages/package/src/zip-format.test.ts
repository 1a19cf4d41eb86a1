import { describe, expect, it } from 'vitest';
import { type CentralEntry, centralRecord, endRecords, localHeader, METHOD_DEFLATED, needsZip64Local, U32_MAX } from './zip-format.js';

const entry = (over: Partial<CentralEntry> = {}): CentralEntry => ({
  name: 'python/a.py',
  directory: false,
  executable: false,
  method: METHOD_DEFLATED,
  crc32: 0xdeadbeef,
  compressedSize: 10,
  uncompressedSize: 20,
  localHeaderOffset: 0,
  zip64Local: false,
  ...over,
});

describe('zip-format', () => {
  it('writes a local header with a fixed 1980-01-01 date and no extra field', () => {
    const { bytes, crcOffset, sizesOffset } = localHeader(entry());
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(bytes.readUInt16LE(10)).toBe(0); // time
    expect(bytes.readUInt16LE(12)).toBe(0x21); // 1980-01-01
    expect(bytes.readUInt32LE(crcOffset)).toBe(0xdeadbeef);
    expect(bytes.readUInt32LE(sizesOffset)).toBe(10);
    expect(bytes.readUInt16LE(28)).toBe(0);
    expect(bytes.subarray(30).toString()).toBe('python/a.py');
  });

  it('sets the UTF-8 flag only for non-ASCII names', () => {
    expect(localHeader(entry()).bytes.readUInt16LE(6)).toBe(0);
    expect(localHeader(entry({ name: 'python/é.py' })).bytes.readUInt16LE(6)).toBe(0x0800);
  });

  it('puts ZIP64 sizes in the local header of a huge file, and only overflowing fields in the central record', () => {
    expect(needsZip64Local(100)).toBe(false);
    expect(needsZip64Local(U32_MAX)).toBe(true);
    const big = entry({ uncompressedSize: 5_000_000_000, compressedSize: 4_000_000_000, zip64Local: true, localHeaderOffset: 10 });
    const local = localHeader(big);
    expect(local.bytes.readUInt32LE(18)).toBe(U32_MAX);
    expect(local.bytes.readBigUInt64LE(local.sizesOffset)).toBe(5_000_000_000n);
    expect(local.bytes.readBigUInt64LE(local.sizesOffset + 8)).toBe(4_000_000_000n);
    const record = centralRecord(big);
    expect(record.readUInt16LE(30)).toBe(4 + 8); // only the uncompressed size overflows
    expect(record.readUInt32LE(20)).toBe(4_000_000_000);
    expect(record.readUInt32LE(24)).toBe(U32_MAX);
    expect(record.readUInt32LE(38) >>> 16).toBe(0o100644);
    expect(centralRecord(entry({ executable: true })).readUInt32LE(38) >>> 16).toBe(0o100755);
  });

  it('adds ZIP64 end records past 65,534 entries or when the central directory starts past 4 GiB', () => {
    expect(endRecords(10, 100, 50)).toHaveLength(22);
    const many = endRecords(70_000, 100, 50);
    expect(many).toHaveLength(56 + 20 + 22);
    expect(many.readUInt32LE(0)).toBe(0x06064b50);
    expect(many.readBigUInt64LE(24)).toBe(70_000n);
    expect(many.readUInt16LE(56 + 20 + 8)).toBe(0xffff);
    const far = endRecords(2, 2 ** 32 + 10, 120);
    expect(far).toHaveLength(98);
    expect(far.readBigUInt64LE(48)).toBe(2n ** 32n + 10n);
    expect(far.readUInt32LE(56 + 20 + 16)).toBe(0xffffffff);
  });
});
