/**
 * The bytes of a ZIP archive (APPNOTE 6.3): local headers, central directory
 * records, the end records, and ZIP64 where a field overflows. Every field
 * that could vary between machines is fixed, so the same entries always give
 * the same bytes: DOS time 1980-01-01 00:00, no extra fields except ZIP64,
 * Unix "version made by", and permissions reduced to 0644/0755.
 */

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;
const ZIP64_EXTRA_ID = 0x0001;

/** 1980-01-01 00:00:00, the earliest DOS date: fixed so the zip never depends on file mtimes. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

const FLAG_UTF8 = 0x0800;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** Upper byte 3 = Unix, so unzip and Python honour the mode bits in the external attributes. */
const MADE_BY_UNIX = 3 << 8;

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MSDOS_DIRECTORY = 0x10;

export interface CentralEntry {
  name: string;
  directory: boolean;
  executable: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** The local header carries ZIP64 sizes (decided before the data was written). */
  zip64Local: boolean;
}

function nameBytes(name: string): { bytes: Buffer; flags: number } {
  const bytes = Buffer.from(name, 'utf8');
  // The UTF-8 flag only when needed: ASCII names then match what zip(1) writes.
  const ascii = bytes.length === name.length;
  return { bytes, flags: ascii ? 0 : FLAG_UTF8 };
}

/** Whether an entry of this size needs ZIP64 sizes in its local header. */
export function needsZip64Local(uncompressedSize: number): boolean {
  // Deflate can grow incompressible data a little; leave room so the
  // compressed size can never overflow a header that said "no ZIP64".
  return uncompressedSize >= U32_MAX - 64 * 1024 * 1024;
}

export interface LocalHeader {
  bytes: Buffer;
  /** Where crc32 starts, relative to the header, to patch it after streaming. */
  crcOffset: number;
  /** Where the sizes live (classic fields or the ZIP64 extra), relative to the header. */
  sizesOffset: number;
}

/** A local file header; crc and sizes may be zero here and patched in later with `patchLocalHeader`. */
export function localHeader(entry: Omit<CentralEntry, 'localHeaderOffset'>): LocalHeader {
  const { bytes: name, flags } = nameBytes(entry.name);
  const extraLength = entry.zip64Local ? 20 : 0;
  const header = Buffer.alloc(30 + name.length + extraLength);
  header.writeUInt32LE(SIG_LOCAL, 0);
  header.writeUInt16LE(entry.zip64Local ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extraLength, 28);
  name.copy(header, 30);
  if (entry.zip64Local) {
    const extra = 30 + name.length;
    header.writeUInt16LE(ZIP64_EXTRA_ID, extra);
    header.writeUInt16LE(16, extra + 2);
  }
  const patch = localSizes(entry);
  patch.copy(header, 14);
  if (entry.zip64Local) sizes64(entry).copy(header, 30 + name.length + 4);
  return { bytes: header, crcOffset: 14, sizesOffset: entry.zip64Local ? 30 + name.length + 4 : 18 };
}

/** crc32 + the two 32-bit sizes (0xFFFFFFFF when the ZIP64 extra holds them). */
export function localSizes(entry: Pick<CentralEntry, 'crc32' | 'compressedSize' | 'uncompressedSize' | 'zip64Local'>): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32LE(entry.crc32 >>> 0, 0);
  out.writeUInt32LE(entry.zip64Local ? U32_MAX : entry.compressedSize, 4);
  out.writeUInt32LE(entry.zip64Local ? U32_MAX : entry.uncompressedSize, 8);
  return out;
}

/** The ZIP64 extra's two sizes (uncompressed first, as the spec orders them). */
export function sizes64(entry: Pick<CentralEntry, 'compressedSize' | 'uncompressedSize'>): Buffer {
  const out = Buffer.alloc(16);
  out.writeBigUInt64LE(BigInt(entry.uncompressedSize), 0);
  out.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
  return out;
}

function externalAttributes(entry: Pick<CentralEntry, 'directory' | 'executable'>): number {
  if (entry.directory) return (((S_IFDIR | 0o755) << 16) | MSDOS_DIRECTORY) >>> 0;
  return ((S_IFREG | (entry.executable ? 0o755 : 0o644)) << 16) >>> 0;
}

/** A central directory record; ZIP64 fields only for values that overflow. */
export function centralRecord(entry: CentralEntry): Buffer {
  const { bytes: name, flags } = nameBytes(entry.name);
  const bigUncompressed = entry.uncompressedSize >= U32_MAX;
  const bigCompressed = entry.compressedSize >= U32_MAX;
  const bigOffset = entry.localHeaderOffset >= U32_MAX;
  const extraFields = [bigUncompressed, bigCompressed, bigOffset].filter(Boolean).length;
  const extraLength = extraFields ? 4 + 8 * extraFields : 0;
  const zip64 = extraFields > 0 || entry.zip64Local;
  const record = Buffer.alloc(46 + name.length + extraLength);
  record.writeUInt32LE(SIG_CENTRAL, 0);
  record.writeUInt16LE(MADE_BY_UNIX | (zip64 ? VERSION_ZIP64 : VERSION_DEFAULT), 4);
  record.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  record.writeUInt16LE(flags, 8);
  record.writeUInt16LE(entry.method, 10);
  record.writeUInt16LE(DOS_TIME, 12);
  record.writeUInt16LE(DOS_DATE, 14);
  record.writeUInt32LE(entry.crc32 >>> 0, 16);
  record.writeUInt32LE(bigCompressed ? U32_MAX : entry.compressedSize, 20);
  record.writeUInt32LE(bigUncompressed ? U32_MAX : entry.uncompressedSize, 24);
  record.writeUInt16LE(name.length, 28);
  record.writeUInt16LE(extraLength, 30);
  record.writeUInt16LE(0, 32); // comment length
  record.writeUInt16LE(0, 34); // disk number
  record.writeUInt16LE(0, 36); // internal attributes
  record.writeUInt32LE(externalAttributes(entry), 38);
  record.writeUInt32LE(bigOffset ? U32_MAX : entry.localHeaderOffset, 42);
  name.copy(record, 46);
  if (extraFields) {
    let at = 46 + name.length;
    record.writeUInt16LE(ZIP64_EXTRA_ID, at);
    record.writeUInt16LE(8 * extraFields, at + 2);
    at += 4;
    if (bigUncompressed) at = record.writeBigUInt64LE(BigInt(entry.uncompressedSize), at);
    if (bigCompressed) at = record.writeBigUInt64LE(BigInt(entry.compressedSize), at);
    if (bigOffset) record.writeBigUInt64LE(BigInt(entry.localHeaderOffset), at);
  }
  return record;
}

/**
 * The end of the archive: ZIP64 end record and locator when the entry count,
 * the central directory's offset or size overflow, then the
 * classic end record.
 */
export function endRecords(count: number, centralOffset: number, centralSize: number): Buffer {
  const zip64 = count >= U16_MAX || centralOffset >= U32_MAX || centralSize >= U32_MAX;
  const parts: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(SIG_ZIP64_EOCD, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of this record
    record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(centralSize), 40);
    record.writeBigUInt64LE(BigInt(centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(SIG_ZIP64_LOCATOR, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(centralOffset + centralSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_EOCD, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? U16_MAX : count, 8);
  end.writeUInt16LE(zip64 ? U16_MAX : count, 10);
  end.writeUInt32LE(zip64 ? U32_MAX : centralSize, 12);
  end.writeUInt32LE(zip64 ? U32_MAX : centralOffset, 16);
  end.writeUInt16LE(0, 20);
  parts.push(end);
  return Buffer.concat(parts);
}
