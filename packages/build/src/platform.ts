import type { PythonTarget } from '@lambda-layer/core';
import { satisfies, validRange } from '@renovatebot/pep440';
import { cpythonTag, type LambdaPythonRuntime, lambdaPythonRuntime, type MajorMinor, wheelMachine } from './lambda-runtimes.js';

/** ELF e_machine values of the two Lambda architectures. */
export const ELF_MACHINES = { x86_64: 62, aarch64: 183 } as const;

/** Everything the installers and the validator need to know about a target runtime. */
export interface TargetPlatform extends PythonTarget {
  /** The Lambda runtime: identifier, operating system, glibc, system libraries. */
  runtime: LambdaPythonRuntime;
  /** x86_64 or aarch64: the machine in wheel tags, extension suffixes and ELF headers. */
  machine: 'x86_64' | 'aarch64';
  /** ELF e_machine of the target. */
  elfMachine: number;
  /** cp312 */
  abiTag: string;
  /** Newest glibc the runtime has, as wheel tags count it (Amazon Linux 2: 2.26; AL2023: 2.34). */
  glibc: MajorMinor;
  /** pip --platform values, newest first: every manylinux tag the runtime accepts down to manylinux2014. */
  pipPlatforms: string[];
  /** uv --python-platform value. */
  uvPlatform: string;
  /**
   * uv names only some glibc versions (2_17, then 2_28 and up): when its
   * platform accepts wheels newer than the runtime's glibc, the wheels uv may
   * see are filtered first (see wheel-filter-index.ts).
   */
  uvNeedsWheelFilter: boolean;
  /** docker --platform value. */
  dockerPlatform: 'linux/amd64' | 'linux/arm64';
}

/** The oldest glibc we hand to pip: manylinux2014 is where every current wheel starts. */
const OLDEST_GLIBC_MINOR = 17;
/** The manylinux_2_X values uv's --python-platform knows (uv 0.13: `x86_64-manylinux_2_17`, `_2_28`, `_2_31` … `_2_40`). */
const UV_MANYLINUX_MINORS = [17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40];

export function targetPlatform(target: PythonTarget): TargetPlatform {
  const machine = wheelMachine(target.architecture);
  const runtime = lambdaPythonRuntime(target.pythonVersion);
  const glibc = { ...runtime.os.glibc };
  // pip matches --platform values literally (it only expands the legacy aliases),
  // so every manylinux_2_X the runtime can load is listed, newest first.
  const pipPlatforms: string[] = [];
  for (let minor = glibc.minor; minor >= OLDEST_GLIBC_MINOR; minor -= 1) pipPlatforms.push(`manylinux_2_${minor}_${machine}`);
  pipPlatforms.push(`manylinux2014_${machine}`);
  // uv expands its platform to every older manylinux tag itself; the smallest one it knows at or above the runtime's glibc.
  const uvMinor = UV_MANYLINUX_MINORS.find((minor) => minor >= glibc.minor) ?? Math.max(...UV_MANYLINUX_MINORS);
  return {
    ...target,
    runtime,
    machine,
    elfMachine: ELF_MACHINES[machine],
    abiTag: cpythonTag(target.pythonVersion),
    glibc,
    pipPlatforms,
    uvPlatform: `${machine}-manylinux_2_${uvMinor}`,
    uvNeedsWheelFilter: uvMinor > glibc.minor,
    dockerPlatform: target.architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64',
  };
}

/** pip arguments that make it pick wheels for the target instead of the host. */
export function pipTargetArgs(platform: TargetPlatform): string[] {
  return [
    ...platform.pipPlatforms.flatMap((tag) => ['--platform', tag]),
    '--implementation',
    'cp',
    '--python-version',
    platform.pythonVersion,
    '--abi',
    platform.abiTag,
    '--abi',
    'abi3',
    '--abi',
    'none',
    '--only-binary=:all:',
  ];
}

/** uv arguments that make it pick wheels for the target instead of the host. */
export function uvTargetArgs(platform: TargetPlatform): string[] {
  return ['--python-platform', platform.uvPlatform, '--python-version', platform.pythonVersion];
}

/** `python3.11 on x86_64`: how messages name the target. */
export function describeTarget(platform: TargetPlatform): string {
  return `${platform.runtime.identifier} on ${platform.architecture}`;
}

/** The glibc version a manylinux platform tag needs, or undefined for a tag that is not manylinux. */
export function manylinuxGlibc(platformTag: string): { major: number; minor: number; machine: string } | undefined {
  const legacy: Record<string, number> = { manylinux1: 5, manylinux2010: 12, manylinux2014: 17 };
  const modern = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(platformTag);
  if (modern) return { major: Number(modern[1]), minor: Number(modern[2]), machine: modern[3] as string };
  const old = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(platformTag);
  if (old) return { major: 2, minor: legacy[old[1] as string] as number, machine: old[2] as string };
  return undefined;
}

export function isGlibcAtMost(glibc: MajorMinor, limit: MajorMinor): boolean {
  return glibc.major < limit.major || (glibc.major === limit.major && glibc.minor <= limit.minor);
}

/** A wheel file name's parts (PEP 427): `numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`. */
export interface WheelName {
  name: string;
  version: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

export function parseWheelName(fileName: string): WheelName | undefined {
  if (!fileName.endsWith('.whl')) return undefined;
  const parts = fileName.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const [python, abi, platform] = parts.slice(-3) as [string, string, string];
  return { name, version, pythonTags: python.split('.'), abiTags: abi.split('.'), platformTags: platform.split('.') };
}

/** Expands a wheel's compressed tag sets into `py-abi-platform` triples. */
export function wheelTagTriples(wheel: WheelName): string[] {
  return wheel.pythonTags.flatMap((py) => wheel.abiTags.flatMap((abi) => wheel.platformTags.map((plat) => `${py}-${abi}-${plat}`)));
}

/** Whether an interpreter and ABI tag pair loads in the target's CPython (the tags pip accepts for it). */
export function isInterpreterCompatible(python: string, abi: string, platform: TargetPlatform): boolean {
  const targetMinor = Number(platform.pythonVersion.split('.')[1]);
  const cp = /^cp3(\d+)$/.exec(python);
  const py = /^py3(\d*)$/.exec(python);
  if (abi === platform.abiTag) return python === platform.abiTag;
  if (abi === 'abi3') return cp !== null && Number(cp[1]) <= targetMinor;
  if (abi !== 'none') return false;
  if (cp) return Number(cp[1]) === targetMinor;
  if (py) return py[1] === '' || Number(py[1]) <= targetMinor;
  return false;
}

/** Whether a platform tag loads on the target: any, or manylinux of its machine no newer than its glibc. */
export function isPlatformCompatible(platformTag: string, platform: TargetPlatform, allowNativeLinux: boolean): boolean {
  if (platformTag === 'any') return true;
  if (allowNativeLinux && platformTag === `linux_${platform.machine}`) return true;
  const glibc = manylinuxGlibc(platformTag);
  return glibc?.machine === platform.machine && isGlibcAtMost(glibc, platform.glibc);
}

/**
 * Whether one wheel tag (py-abi-platform) can load on the target.
 * `linux_<machine>` wheels come from a native build, allowed only inside the target's container.
 */
export function isTagCompatible(tag: string, platform: TargetPlatform, allowNativeLinux: boolean): boolean {
  const [python, abi, platformTags] = tag.split('-');
  if (!python || !abi || !platformTags) return false;
  if (!isInterpreterCompatible(python, abi, platform)) return false;
  return platformTags.split('.').some((plat) => isPlatformCompatible(plat, platform, allowNativeLinux));
}

/** Whether a wheel file, by its name, installs on the target. */
export function isWheelCompatible(wheel: WheelName, platform: TargetPlatform, allowNativeLinux = false): boolean {
  return wheelTagTriples(wheel).some((tag) => isTagCompatible(tag, platform, allowNativeLinux));
}

/**
 * Whether a Requires-Python specifier (`>=3.9`, `>=3.12,<3.13`) admits a
 * Lambda runtime's Python. The runtime's patch release is not fixed (AWS
 * updates it), so a bound inside the minor series (`>=3.11.4`) gets the
 * benefit of the doubt: X.Y is admitted when X.Y.0 or a late X.Y.99 is. A
 * specifier that is not valid PEP 440 is ignored, as pip ignores it.
 */
export function isPythonAdmitted(specifier: string, pythonVersion: string): boolean {
  const spec = specifier.trim();
  if (!spec || !validRange(spec)) return true;
  return satisfies(`${pythonVersion}.0`, spec) || satisfies(`${pythonVersion}.99`, spec);
}
