import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { listInstalled, walkFiles } from './installed.js';
import { ELF_MACHINES, manylinuxGlibc, type TargetPlatform } from './platform.js';

export interface LayerProblem {
  file: string;
  package: string | undefined;
  reason: string;
}

const ELF_MACHINE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ELF_MACHINES).map(([name, value]) => [value, name]));

/**
 * The e_machine field of an ELF header (offset 18, in the file's byte order),
 * or undefined when the file is not ELF. Read by hand: it is four bytes of a
 * fixed header, and no maintained npm ELF reader is smaller than this.
 */
export async function readElfMachine(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    return header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  } finally {
    await handle.close();
  }
}

/** Shared libraries: `x.so`, `x.cpython-312-x86_64-linux-gnu.so`, `libfoo.so.1.2`. */
export function isSharedObject(path: string): boolean {
  return /\.so(\.\d+)*$/.test(path);
}

/** What an extension module's file name says it was built for, or undefined when it says nothing. */
export function extensionSuffixTarget(path: string): { pythonVersion?: string; machine?: string } | undefined {
  const match = /\.cpython-(\d)(\d+)[a-z]*-([a-z0-9_]+)-linux-(gnu|musl)\.so$/.exec(path);
  if (match) return { pythonVersion: `${match[1]}.${match[2]}`, machine: match[3] as string };
  return undefined;
}

/**
 * Whether one wheel tag (py-abi-platform) can load on the target: any
 * platform, or manylinux for the target machine with a glibc no newer than
 * the runtime's; and an ABI of none, abi3 or the target's cpXY.
 * `linux_<machine>` wheels come from a native build, allowed only inside the target's container.
 */
export function isTagCompatible(tag: string, platform: TargetPlatform, allowNativeLinux: boolean): boolean {
  const [, abi, platformTags] = tag.split('-');
  if (!abi || !platformTags) return false;
  if (abi !== 'none' && abi !== 'abi3' && abi !== platform.abiTag) return false;
  return platformTags.split('.').some((plat) => {
    if (plat === 'any') return true;
    if (allowNativeLinux && plat === `linux_${platform.machine}`) return true;
    const glibc = manylinuxGlibc(plat);
    if (!glibc || glibc.machine !== platform.machine) return false;
    return glibc.major < platform.glibc.major || (glibc.major === platform.glibc.major && glibc.minor <= platform.glibc.minor);
  });
}

/**
 * Checks what was installed can run on the target: every shared object is an
 * ELF for its machine, every ABI-tagged extension module names the target's
 * Python, and every wheel's tags fit the runtime's glibc.
 */
export async function findLayerProblems(pythonDir: string, platform: TargetPlatform, options: { container?: boolean } = {}): Promise<LayerProblem[]> {
  const problems: LayerProblem[] = [];
  const installed = await listInstalled(pythonDir);
  const owner = new Map<string, string>();
  for (const dist of installed) for (const file of dist.files) owner.set(file, dist.name);

  for (const dist of installed) {
    const wheel = await readFile(join(pythonDir, dist.distInfo, 'WHEEL'), 'utf8').catch(() => '');
    const tags = [...wheel.matchAll(/^Tag:\s*(\S+)\s*$/gm)].map((match) => match[1] as string);
    if (tags.length && !tags.some((tag) => isTagCompatible(tag, platform, Boolean(options.container)))) {
      problems.push({ file: `${dist.distInfo}/WHEEL`, package: dist.name, reason: `wheel tags ${tags.join(', ')} do not fit ${describe(platform)}` });
    }
  }

  for (const file of await walkFiles(pythonDir)) {
    if (!isSharedObject(file.path)) continue;
    const pkg = owner.get(file.path);
    const machine = await readElfMachine(join(pythonDir, file.path));
    if (machine === undefined) problems.push({ file: file.path, package: pkg, reason: 'not an ELF file' });
    else if (machine !== platform.elfMachine) {
      problems.push({ file: file.path, package: pkg, reason: `ELF for ${ELF_MACHINE_NAMES[machine] ?? `machine ${machine}`}, not ${platform.machine}` });
    }
    const suffix = extensionSuffixTarget(file.path);
    if (suffix && suffix.pythonVersion !== platform.pythonVersion) {
      problems.push({ file: file.path, package: pkg, reason: `extension module for Python ${suffix.pythonVersion}, not ${platform.pythonVersion}` });
    } else if (suffix && suffix.machine !== platform.machine) {
      problems.push({ file: file.path, package: pkg, reason: `extension module for ${suffix.machine}, not ${platform.machine}` });
    }
  }
  return problems;
}

function describe(platform: TargetPlatform): string {
  return `Python ${platform.pythonVersion} on ${platform.machine} (glibc ${platform.glibc.major}.${platform.glibc.minor})`;
}

export async function validateLayer(pythonDir: string, platform: TargetPlatform, options: { container?: boolean } = {}): Promise<void> {
  const problems = await findLayerProblems(pythonDir, platform, options);
  if (!problems.length) return;
  const shown = problems.slice(0, 5).map((p) => `${p.file} (${p.package ?? 'unknown package'}): ${p.reason}`);
  const more = problems.length > shown.length ? `, and ${problems.length - shown.length} more` : '';
  throw new LayerError(ErrorCodes.PLATFORM_MISMATCH, `${problems.length} installed file(s) do not fit ${describe(platform)}: ${shown.join('; ')}${more}`, {
    hint: 'pin versions with manylinux wheels for the target, or build with --container',
    details: { problems },
  });
}
