import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir, wheelCacheDir } from '@lambda-layer/testing';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNativeFixtures, hasCompilers, type NativeFixtures } from './__fixtures__/native.js';
import { compareDottedVersions, ElfFormatError, highestVersion, readElfDynamicInfo, readElfMachine } from './elf.js';

const temp = useTempDir('elf-');
const hasReadelf = spawnSync('readelf', ['--version']).status === 0;
let native: NativeFixtures | undefined;
let shared: string[] = [];

beforeAll(async () => {
  native = await buildNativeFixtures();
  // Every shared object of every real wheel in the test cache (x86_64 and aarch64, cp311 and cp312).
  for (const file of readdirSync(wheelCacheDir).filter((name) => name.endsWith('.whl'))) {
    const entries = unzipSync(readFileSync(join(wheelCacheDir, file)), { filter: (entry) => /\.so(\.\d+)*$/.test(entry.name) });
    for (const [name, bytes] of Object.entries(entries)) {
      const path = join(temp.path, file, name);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, bytes);
      shared.push(path);
    }
  }
});
afterAll(async () => {
  if (native) await rm(native.dir, { recursive: true, force: true });
  shared = [];
});

/** What binutils' readelf says of a file: NEEDED, version needs (file and names), version definitions. */
function readelf(path: string) {
  const dynamic = spawnSync('readelf', ['-dW', path], { encoding: 'utf8' }).stdout;
  const versions = spawnSync('readelf', ['-VW', path], { encoding: 'utf8' }).stdout;
  const needs = versions.split('Version needs section')[1] ?? '';
  const defs = (versions.split('Version definition section')[1] ?? '').split('Version needs section')[0] ?? '';
  return {
    needed: [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
    soname: /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(dynamic)?.[1],
    needFiles: [...needs.matchAll(/File: (\S+)/g)].map((m) => m[1]).sort(),
    needVersions: [...needs.matchAll(/Name: (\S+)\s+Flags/g)].map((m) => m[1]).sort(),
    definitions: [...defs.matchAll(/Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/g)]
      .filter((m) => m[1] !== 'BASE')
      .map((m) => m[2])
      .sort(),
  };
}

describe('readElfDynamicInfo', () => {
  it.skipIf(!hasReadelf)("reads what readelf reads, for every shared object of the test wheels and the host's libc and libstdc++", async () => {
    const system = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/aarch64-linux-gnu/libc.so.6'].filter(
      (path) => spawnSync('test', ['-e', path]).status === 0,
    );
    const files = [...shared, ...system, ...(native ? [native.newGlibc, native.newGlibcxx, native.needsGl, native.libGl] : [])];
    expect(shared.length).toBeGreaterThan(8);
    for (const file of files) {
      const info = await readElfDynamicInfo(file);
      const truth = readelf(file);
      expect({ file, needed: info?.needed, soname: info?.soname }).toEqual({ file, needed: truth.needed, soname: truth.soname });
      expect(info?.versionNeeds.map((need) => need.file).sort()).toEqual(truth.needFiles);
      expect(info?.versionNeeds.flatMap((need) => need.versions).sort()).toEqual(truth.needVersions);
      expect([...(info?.versionDefinitions ?? [])].sort()).toEqual(truth.definitions);
    }
  });

  it.skipIf(!hasCompilers())('finds the newest GLIBC_ and GLIBCXX_ versions a real object needs', async () => {
    const glibc = await readElfDynamicInfo((native as NativeFixtures).newGlibc);
    expect(highestVersion(glibc?.versionNeeds.flatMap((need) => need.versions) ?? [], 'GLIBC_')).toBe('2.27');
    const cxx = await readElfDynamicInfo((native as NativeFixtures).newGlibcxx);
    expect(cxx?.versionNeeds.find((need) => need.file === 'libstdc++.so.6')?.versions).toContain('GLIBCXX_3.4.25');
    expect(highestVersion(cxx?.versionNeeds.flatMap((need) => need.versions) ?? [], 'GLIBCXX_')).toBe('3.4.25');
    expect((await readElfDynamicInfo((native as NativeFixtures).needsGl))?.needed).toContain('libGL.so.1');
  });

  it('answers undefined for a file that is not ELF, and a clear error for a damaged one', async () => {
    await writeFile(join(temp.path, 'script.sh'), '#!/bin/sh\necho hi\n');
    expect(await readElfDynamicInfo(join(temp.path, 'script.sh'))).toBeUndefined();
    expect(await readElfMachine(join(temp.path, 'script.sh'))).toBeUndefined();
    const damaged = Buffer.alloc(64);
    damaged.writeUInt32BE(0x7f454c46, 0);
    damaged[4] = 2;
    damaged[5] = 1;
    damaged.writeBigUInt64LE(10_000n, 0x20); // program headers past the end
    damaged.writeUInt16LE(56, 0x36);
    damaged.writeUInt16LE(3, 0x38);
    await writeFile(join(temp.path, 'damaged.so'), damaged);
    await expect(readElfDynamicInfo(join(temp.path, 'damaged.so'))).rejects.toBeInstanceOf(ElfFormatError);
  });

  it('compares versions numerically', () => {
    expect(compareDottedVersions('3.4.9', '3.4.24')).toBeLessThan(0);
    expect(compareDottedVersions('2.28', '2.26')).toBeGreaterThan(0);
    expect(highestVersion(['GLIBC_2.2.5', 'GLIBC_2.17', 'GLIBC_PRIVATE', 'GLIBCXX_3.4.30'], 'GLIBC_')).toBe('2.17');
  });
});
