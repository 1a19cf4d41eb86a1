import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type LayerError } from '@lambda-layer/core';
import { targetPlatform } from './platform.js';
import { extensionSuffixTarget, findLayerProblems, isTagCompatible, readElfMachine, validateLayer } from './validate.js';

/** The first bytes of an ELF file: magic, 64-bit, little-endian, and e_machine at offset 18. */
function elfHeader(machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2;
  header[5] = 1;
  header[6] = 1;
  header.writeUInt16LE(3, 16);
  header.writeUInt16LE(machine, 18);
  return header;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), content);
}

/** A distribution as pip leaves it in --target: files, METADATA, WHEEL tags, RECORD. */
async function distribution(name: string, tag: string, files: Record<string, string | Buffer>): Promise<void> {
  const distInfo = `${name}-1.0.dist-info`;
  for (const [path, content] of Object.entries(files)) await put(path, content);
  await put(`${distInfo}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n`);
  await put(`${distInfo}/WHEEL`, `Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: ${tag}\n`);
  await put(`${distInfo}/RECORD`, [...Object.keys(files), `${distInfo}/METADATA`].map((f) => `${f},,`).join('\n'));
}

const x86_312 = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });

describe('findLayerProblems', () => {
  beforeEach(async () => {
    await distribution('fast', 'cp312-cp312-manylinux_2_17_x86_64', {
      'fast/__init__.py': '',
      'fast/_core.cpython-312-x86_64-linux-gnu.so': elfHeader(62),
      'fast.libs/libz-1a2b.so.1.2.13': elfHeader(62),
    });
    await distribution('pure', 'py3-none-any', { 'pure/__init__.py': '' });
  });

  it('accepts files built for the target', async () => {
    expect(await findLayerProblems(dir, x86_312)).toEqual([]);
  });

  it('finds x86-64 ELF files, extension suffixes and wheel tags in an arm64 layer, with their package', async () => {
    const problems = await findLayerProblems(dir, targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: 'fast/_core.cpython-312-x86_64-linux-gnu.so', package: 'fast', reason: 'ELF for x86_64, not aarch64' },
        { file: 'fast/_core.cpython-312-x86_64-linux-gnu.so', package: 'fast', reason: 'extension module for x86_64, not aarch64' },
        { file: 'fast.libs/libz-1a2b.so.1.2.13', package: 'fast', reason: 'ELF for x86_64, not aarch64' },
        expect.objectContaining({ file: 'fast-1.0.dist-info/WHEEL', package: 'fast' }),
      ]),
    );
    expect(problems.some((p) => p.package === 'pure')).toBe(false);
  });

  it('finds an extension module for another Python version', async () => {
    const problems = await findLayerProblems(dir, targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' }));
    expect(problems).toContainEqual({ file: 'fast/_core.cpython-312-x86_64-linux-gnu.so', package: 'fast', reason: 'extension module for Python 3.12, not 3.11' });
  });

  it('finds a wheel that needs a newer glibc than the runtime has, and a file that is not ELF', async () => {
    await distribution('newglibc', 'cp311-cp311-manylinux_2_28_x86_64', { 'newglibc/x.cpython-311-x86_64-linux-gnu.so': elfHeader(62) });
    await distribution('broken', 'cp311-cp311-manylinux_2_17_x86_64', { 'broken/y.so': 'not really a library' });
    const py311 = targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' });
    const problems = await findLayerProblems(dir, py311);
    expect(problems).toContainEqual(expect.objectContaining({ package: 'newglibc', file: 'newglibc-1.0.dist-info/WHEEL' }));
    expect(problems).toContainEqual({ file: 'broken/y.so', package: 'broken', reason: 'not an ELF file' });
    const error = (await validateLayer(dir, py311).catch((e: unknown) => e)) as LayerError;
    expect(error.code).toBe(ErrorCodes.PLATFORM_MISMATCH);
    expect(error.message).toContain('newglibc-1.0.dist-info/WHEEL (newglibc)');
    expect(error.hint).toContain('--container');
  });
});

describe('tags and headers', () => {
  it('judges wheel tags against the target', () => {
    expect(isTagCompatible('cp312-abi3-manylinux_2_34_x86_64', x86_312, false)).toBe(true);
    expect(isTagCompatible('cp312-cp312-manylinux_2_35_x86_64', x86_312, false)).toBe(false);
    expect(isTagCompatible('cp312-cp312-musllinux_1_2_x86_64', x86_312, false)).toBe(false);
    expect(isTagCompatible('cp312-cp312-linux_x86_64', x86_312, false)).toBe(false);
    expect(isTagCompatible('cp312-cp312-linux_x86_64', x86_312, true)).toBe(true);
    expect(isTagCompatible('cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', x86_312, false)).toBe(true);
  });

  it('reads e_machine in either byte order', async () => {
    await put('le.so', elfHeader(183));
    const be = elfHeader(0);
    be[5] = 2;
    be.writeUInt16BE(62, 18);
    await put('be.so', be);
    expect(await readElfMachine(join(dir, 'le.so'))).toBe(183);
    expect(await readElfMachine(join(dir, 'be.so'))).toBe(62);
    expect(extensionSuffixTarget('a/b.cpython-39-aarch64-linux-gnu.so')).toEqual({ pythonVersion: '3.9', machine: 'aarch64' });
    expect(extensionSuffixTarget('a/b.abi3.so')).toBeUndefined();
  });
});
