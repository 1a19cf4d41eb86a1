import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCodes, type LayerError } from '@lambda-layer/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildNativeFixtures, hasCompilers, type NativeFixtures } from './__fixtures__/native.js';
import { isTagCompatible, targetPlatform } from './platform.js';
import { extensionSuffixTarget, findLayerProblems, readElfMachine, validateLayer } from './validate.js';

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
const readBytes = (path: string) => readFile(path);
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
async function distribution(name: string, tag: string, files: Record<string, string | Buffer>, requiresPython?: string): Promise<void> {
  const distInfo = `${name}-1.0.dist-info`;
  for (const [path, content] of Object.entries(files)) await put(path, content);
  await put(
    `${distInfo}/METADATA`,
    `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n${requiresPython ? `Requires-Python: ${requiresPython}\n` : ''}\nRequires-Python: >=9 (the description may say anything)\n`,
  );
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
        expect.objectContaining({ file: 'fast/_core.cpython-312-x86_64-linux-gnu.so', package: 'fast', reason: 'ELF for x86_64, not aarch64' }),
        { file: 'fast/_core.cpython-312-x86_64-linux-gnu.so', package: 'fast', reason: 'extension module for x86_64, not aarch64' },
        expect.objectContaining({ file: 'fast.libs/libz-1a2b.so.1.2.13', package: 'fast', reason: 'ELF for x86_64, not aarch64' }),
        expect.objectContaining({ file: 'fast-1.0.dist-info/WHEEL', package: 'fast' }),
      ]),
    );
    expect(problems.some((p) => p.package === 'pure')).toBe(false);
  });

  it('finds an extension module for another Python version', async () => {
    const problems = await findLayerProblems(dir, targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' }));
    expect(problems).toContainEqual({
      file: 'fast/_core.cpython-312-x86_64-linux-gnu.so',
      package: 'fast',
      reason: 'extension module for Python 3.12, not 3.11',
    });
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

describe('the shared objects themselves, not their tags', () => {
  let native: NativeFixtures | undefined;
  beforeAll(async () => {
    native = await buildNativeFixtures();
  });
  afterAll(async () => {
    if (native) await rm(native.dir, { recursive: true, force: true });
  });
  const py311 = targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' });
  const py312 = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });

  it.skipIf(!hasCompilers())(
    'refuses a .so that needs GLIBC_2.27 on python3.11 (glibc 2.26), though its wheel tag claims 2_17, and accepts it on python3.12',
    async () => {
      const fixtures = native as NativeFixtures;
      await distribution('liar', 'cp311-cp311-manylinux_2_17_x86_64', {
        'liar/__init__.py': '',
        'liar/_fast.cpython-311-x86_64-linux-gnu.so': await readBytes(fixtures.newGlibc),
      });
      const problems = await findLayerProblems(dir, py311);
      expect(problems).toEqual([
        expect.objectContaining({
          file: 'liar/_fast.cpython-311-x86_64-linux-gnu.so',
          package: 'liar',
          reason: 'needs GLIBC_2.27; python3.11 on Lambda (Amazon Linux 2) has glibc 2.26',
          fix: expect.stringContaining('manylinux_2_26 or older'),
        }),
      ]);
      const error = (await validateLayer(dir, py311).catch((e: unknown) => e)) as LayerError;
      expect(error.code).toBe(ErrorCodes.PLATFORM_MISMATCH);
      expect(error.message).toContain('liar/_fast.cpython-311-x86_64-linux-gnu.so (liar): needs GLIBC_2.27');
      expect(error.hint).toContain('target a newer Python');
    },
  );

  it.skipIf(!hasCompilers())('refuses GLIBCXX_3.4.25 on Amazon Linux 2 (gcc 7: up to 3.4.24) and accepts it on AL2023 (gcc 11)', async () => {
    await distribution('cxx', 'cp312-abi3-manylinux_2_17_x86_64', { 'cxx/_rd.abi3.so': await readBytes((native as NativeFixtures).newGlibcxx) });
    expect(await findLayerProblems(dir, py312)).toEqual([]);
    const problems = await findLayerProblems(dir, py311);
    expect(problems.map((p) => p.reason)).toContain(
      'needs GLIBCXX_3.4.25; python3.11 on Lambda (Amazon Linux 2) has libstdc++ (gcc 7.3) up to GLIBCXX_3.4.24',
    );
  });

  it.skipIf(!hasCompilers())('refuses a library the runtime does not have unless the layer brings it', async () => {
    await distribution('gui', 'cp312-cp312-manylinux_2_17_x86_64', {
      'gui/_gl.cpython-312-x86_64-linux-gnu.so': await readBytes((native as NativeFixtures).needsGl),
    });
    expect(await findLayerProblems(dir, py312)).toContainEqual(
      expect.objectContaining({
        package: 'gui',
        reason: 'needs libGL.so.1, which neither the layer nor python3.12 on Lambda (Amazon Linux 2023) has',
        fix: expect.stringContaining('opencv-python-headless'),
      }),
    );
    // Bundled (as auditwheel does, in a .libs folder), the need is met.
    await mkdir(join(dir, 'gui.libs'), { recursive: true });
    await copyFile((native as NativeFixtures).libGl, join(dir, 'gui.libs', 'libGL.so.1'));
    expect(await findLayerProblems(dir, py312)).toEqual([]);
  });

  it('refuses a distribution whose Requires-Python excludes the target (read from the header, not the description)', async () => {
    await distribution('modern', 'py3-none-any', { 'modern/__init__.py': '' }, '>=3.12');
    expect(await findLayerProblems(dir, py312)).toEqual([]);
    expect(await findLayerProblems(dir, py311)).toContainEqual(
      expect.objectContaining({
        file: 'modern-1.0.dist-info/METADATA',
        package: 'modern',
        reason: 'modern 1.0 requires Python >=3.12, which excludes python3.11',
      }),
    );
  });

  it('reads executables whatever their name, and ignores scripts', async () => {
    await distribution('tool', 'py3-none-manylinux_2_17_aarch64', { 'tool/helper': elfHeader(183), 'tool/run.sh': '#!/bin/sh\n' });
    await chmod(join(dir, 'tool/helper'), 0o755);
    await chmod(join(dir, 'tool/run.sh'), 0o755);
    const problems = await findLayerProblems(dir, py312);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'tool/helper', reason: 'ELF for aarch64, not x86_64' }));
    expect(problems.some((p) => p.file === 'tool/run.sh')).toBe(false);
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
