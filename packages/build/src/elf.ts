/**
 * Reads what the dynamic loader reads from an ELF shared object: its machine,
 * the libraries it needs (`DT_NEEDED`), its search path (`DT_RPATH` /
 * `DT_RUNPATH`), and the symbol versions it needs from each library
 * (`DT_VERNEED`: `GLIBC_2.28` from libc.so.6, `GLIBCXX_3.4.29` from
 * libstdc++.so.6) or defines itself (`DT_VERDEF`).
 *
 * Written by hand, through the program headers and the dynamic segment as the
 * loader itself does (so it also works on files whose section headers were
 * stripped), with positional reads of the few structures involved: the npm ELF
 * readers (elfy, elf-tools) load the whole file into memory, none reads the
 * GNU version tables, and `readelf` is not on users' macOS hosts.
 */
import { type FileHandle, open } from 'node:fs/promises';

export interface ElfVersionNeed {
  /** The library the versions come from, as the file names it (`libc.so.6`). */
  file: string;
  /** `GLIBC_2.17`, `GLIBCXX_3.4.21`, … */
  versions: string[];
}

export interface ElfDynamicInfo {
  /** e_machine: 62 x86-64, 183 AArch64. */
  machine: number;
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 executable, 3 shared object (or position-independent executable). */
  type: number;
  soname: string | undefined;
  needed: string[];
  /** DT_RPATH and DT_RUNPATH entries, `$ORIGIN` unexpanded. */
  runpath: string[];
  versionNeeds: ElfVersionNeed[];
  /** Symbol versions this object defines (a bundled libstdc++ defines `GLIBCXX_3.4.x`). */
  versionDefinitions: string[];
}

const ELF_MAGIC = 0x7f454c46;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT = {
  NULL: 0,
  NEEDED: 1,
  STRTAB: 5,
  STRSZ: 10,
  SONAME: 14,
  RPATH: 15,
  RUNPATH: 29,
  VERDEF: 0x6ffffffc,
  VERDEFNUM: 0x6ffffffd,
  VERNEED: 0x6ffffffe,
  VERNEEDNUM: 0x6fffffff,
} as const;
/** The verdef entry that names the object itself, not a version it offers. */
const VER_FLG_BASE = 1;
/** Bigger string tables are read string by string (large C++ libraries have tens of MB of symbol names). */
const WHOLE_STRTAB_LIMIT = 4 << 20;
const WINDOW = 64 << 10;

export class ElfFormatError extends Error {}

/** Positional reads through one cached window: the version tables are small and read in order. */
class WindowReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > this.size)
      throw new ElfFormatError(`read past the end of the file (${offset}+${length} > ${this.size})`);
    if (offset >= this.windowStart && offset + length <= this.windowStart + this.window.length) {
      return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
    }
    const want = Math.min(Math.max(length, WINDOW), this.size - offset);
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await this.handle.read(buffer, 0, want, offset);
    if (bytesRead < length) throw new ElfFormatError('short read');
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = offset;
    return this.window.subarray(0, length);
  }

  /** A NUL-terminated string at `offset`. */
  async string(offset: number, limit: number): Promise<string> {
    let end = offset;
    const parts: Buffer[] = [];
    for (;;) {
      const chunk = await this.read(end, Math.min(256, limit - end));
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return Buffer.concat(parts).toString('utf8');
      }
      parts.push(Buffer.from(chunk));
      end += chunk.length;
      if (chunk.length === 0 || end >= limit) throw new ElfFormatError('unterminated string');
    }
  }
}

/** Typed field access in the file's byte order and class. */
function fields(littleEndian: boolean) {
  return {
    u16: (b: Buffer, at: number) => (littleEndian ? b.readUInt16LE(at) : b.readUInt16BE(at)),
    u32: (b: Buffer, at: number) => (littleEndian ? b.readUInt32LE(at) : b.readUInt32BE(at)),
    u64: (b: Buffer, at: number) => Number(littleEndian ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)),
  };
}

/** The ELF header fields the loader starts from. */
interface ElfHeader {
  bits: 32 | 64;
  littleEndian: boolean;
  type: number;
  machine: number;
  phoff: number;
  phentsize: number;
  phnum: number;
}

function parseHeader(header: Buffer): ElfHeader | undefined {
  if (header.length < 52 || header.readUInt32BE(0) !== ELF_MAGIC) return undefined;
  const bits = header[4] === 2 ? 64 : header[4] === 1 ? 32 : undefined;
  const littleEndian = header[5] === 1 ? true : header[5] === 2 ? false : undefined;
  if (bits === undefined || littleEndian === undefined) throw new ElfFormatError('unknown ELF class or byte order');
  if (bits === 64 && header.length < 64) throw new ElfFormatError('truncated ELF header');
  const f = fields(littleEndian);
  return bits === 64
    ? {
        bits,
        littleEndian,
        type: f.u16(header, 16),
        machine: f.u16(header, 18),
        phoff: f.u64(header, 0x20),
        phentsize: f.u16(header, 0x36),
        phnum: f.u16(header, 0x38),
      }
    : {
        bits,
        littleEndian,
        type: f.u16(header, 16),
        machine: f.u16(header, 18),
        phoff: f.u32(header, 0x1c),
        phentsize: f.u16(header, 0x2a),
        phnum: f.u16(header, 0x2c),
      };
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/**
 * The ELF e_machine of a file, or undefined when it is not ELF: the first 20
 * bytes are enough, for the quick architecture check.
 */
export async function readElfMachine(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== ELF_MAGIC) return undefined;
    return header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  } finally {
    await handle.close();
  }
}

/**
 * The dynamic-linking facts of an ELF file, or undefined when the file is not
 * ELF. A static executable or an object without a dynamic segment has empty lists.
 * Throws ElfFormatError for a file that starts like ELF but is damaged.
 */
export async function readElfDynamicInfo(path: string): Promise<ElfDynamicInfo | undefined> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const reader = new WindowReader(handle, size);
    const header = parseHeader(await reader.read(0, Math.min(64, size)).catch(() => Buffer.alloc(0)));
    if (!header) return undefined;
    const f = fields(header.littleEndian);
    const info: ElfDynamicInfo = {
      machine: header.machine,
      bits: header.bits,
      littleEndian: header.littleEndian,
      type: header.type,
      soname: undefined,
      needed: [],
      runpath: [],
      versionNeeds: [],
      versionDefinitions: [],
    };

    const segments: Segment[] = [];
    const table = await reader.read(header.phoff, header.phentsize * header.phnum);
    for (let i = 0; i < header.phnum; i += 1) {
      const at = i * header.phentsize;
      segments.push(
        header.bits === 64
          ? { type: f.u32(table, at), offset: f.u64(table, at + 8), vaddr: f.u64(table, at + 16), filesz: f.u64(table, at + 32) }
          : { type: f.u32(table, at), offset: f.u32(table, at + 4), vaddr: f.u32(table, at + 8), filesz: f.u32(table, at + 16) },
      );
    }
    const dynamic = segments.find((segment) => segment.type === PT_DYNAMIC);
    if (!dynamic) return info;

    // The dynamic tags give addresses; the PT_LOAD segments map them to file offsets.
    const loads = segments.filter((segment) => segment.type === PT_LOAD);
    const toOffset = (vaddr: number): number => {
      const load = loads.find((segment) => vaddr >= segment.vaddr && vaddr < segment.vaddr + segment.filesz);
      if (!load) throw new ElfFormatError(`address 0x${vaddr.toString(16)} is in no loaded segment`);
      return vaddr - load.vaddr + load.offset;
    };

    const entrySize = header.bits === 64 ? 16 : 8;
    const raw = Buffer.from(await reader.read(dynamic.offset, dynamic.filesz));
    const tags: Array<[number, number]> = [];
    for (let at = 0; at + entrySize <= raw.length; at += entrySize) {
      const tag = header.bits === 64 ? f.u64(raw, at) : f.u32(raw, at);
      const value = header.bits === 64 ? f.u64(raw, at + 8) : f.u32(raw, at + 4);
      if (tag === DT.NULL) break;
      tags.push([tag, value]);
    }
    const one = (tag: number) => tags.find(([t]) => t === tag)?.[1];
    const strtabAddress = one(DT.STRTAB);
    if (strtabAddress === undefined) return info;
    const strtabOffset = toOffset(strtabAddress);
    const strtabSize = Math.min(one(DT.STRSZ) ?? size - strtabOffset, size - strtabOffset);
    const whole = strtabSize <= WHOLE_STRTAB_LIMIT ? Buffer.from(await reader.read(strtabOffset, strtabSize)) : undefined;
    const str = async (index: number): Promise<string> => {
      if (index >= strtabSize) throw new ElfFormatError('string index past the string table');
      if (whole) {
        const end = whole.indexOf(0, index);
        return whole.toString('utf8', index, end < 0 ? whole.length : end);
      }
      return reader.string(strtabOffset + index, strtabOffset + strtabSize);
    };

    for (const [tag, value] of tags) {
      if (tag === DT.NEEDED) info.needed.push(await str(value));
      else if (tag === DT.SONAME) info.soname = await str(value);
      else if (tag === DT.RPATH || tag === DT.RUNPATH) info.runpath.push(...(await str(value)).split(':').filter(Boolean));
    }

    const verneed = one(DT.VERNEED);
    if (verneed !== undefined) {
      let at = toOffset(verneed);
      const count = one(DT.VERNEEDNUM) ?? 0;
      for (let i = 0; i < count; i += 1) {
        // Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
        const need = await reader.read(at, 16);
        const auxCount = f.u16(need, 2);
        const file = await str(f.u32(need, 4));
        const aux = f.u32(need, 8);
        const next = f.u32(need, 12);
        const versions: string[] = [];
        let auxAt = at + aux;
        for (let j = 0; j < auxCount; j += 1) {
          // Elf_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
          const entry = await reader.read(auxAt, 16);
          versions.push(await str(f.u32(entry, 8)));
          const auxNext = f.u32(entry, 12);
          if (!auxNext) break;
          auxAt += auxNext;
        }
        info.versionNeeds.push({ file, versions });
        if (!next) break;
        at += next;
      }
    }

    const verdef = one(DT.VERDEF);
    if (verdef !== undefined) {
      let at = toOffset(verdef);
      const count = one(DT.VERDEFNUM) ?? 0;
      for (let i = 0; i < count; i += 1) {
        // Elf_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
        const definition = await reader.read(at, 20);
        const flags = f.u16(definition, 2);
        const aux = f.u32(definition, 12);
        const next = f.u32(definition, 16);
        // The first Elf_Verdaux names the version; later ones name its parents.
        if (!(flags & VER_FLG_BASE) && f.u16(definition, 6) > 0) info.versionDefinitions.push(await str(f.u32(await reader.read(at + aux, 8), 0)));
        if (!next) break;
        at += next;
      }
    }
    return info;
  } finally {
    await handle.close();
  }
}

/** The highest version of a family a file needs (`GLIBC_` → `2.28`), compared numerically, or undefined. */
export function highestVersion(versions: readonly string[], prefix: string): string | undefined {
  let best: number[] | undefined;
  for (const name of versions) {
    if (!name.startsWith(prefix)) continue;
    const parts = name.slice(prefix.length).split('.').map(Number);
    if (parts.some((part) => !Number.isInteger(part))) continue;
    if (!best || compareVersionParts(parts, best) > 0) best = parts;
  }
  return best?.join('.');
}

/** Compares dotted numeric versions (`2.26` < `2.28`, `3.4.9` < `3.4.24`). */
export function compareVersionParts(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff) return diff;
  }
  return 0;
}

export function compareDottedVersions(a: string, b: string): number {
  return compareVersionParts(a.split('.').map(Number), b.split('.').map(Number));
}
