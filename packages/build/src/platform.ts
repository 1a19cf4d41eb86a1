import { cpythonTag, type PythonTarget, targetGlibc, wheelMachine } from '@lambda-layer/core';

/** ELF e_machine values of the two Lambda architectures. */
export const ELF_MACHINES = { x86_64: 62, aarch64: 183 } as const;

/** Everything the installers and the validator need to know about a target runtime. */
export interface TargetPlatform extends PythonTarget {
  /** x86_64 or aarch64: the machine in wheel tags, extension suffixes and ELF headers. */
  machine: 'x86_64' | 'aarch64';
  /** ELF e_machine of the target. */
  elfMachine: number;
  /** cp312 */
  abiTag: string;
  /** Newest glibc the runtime has, as wheel tags count it (AL2: 2.17 via manylinux2014; AL2023: 2.34). */
  glibc: { major: number; minor: number };
  /** pip --platform values, newest first: every manylinux tag the runtime accepts down to manylinux2014. */
  pipPlatforms: string[];
  /** uv --python-platform value. */
  uvPlatform: string;
  /** docker --platform value. */
  dockerPlatform: 'linux/amd64' | 'linux/arm64';
}

/** The oldest glibc we hand to pip: manylinux2014 is where every current wheel starts. */
const OLDEST_GLIBC_MINOR = 17;

export function targetPlatform(target: PythonTarget): TargetPlatform {
  const machine = wheelMachine(target.architecture);
  const glibc = targetGlibc(target.pythonVersion);
  // pip matches --platform values literally (it only expands the legacy aliases),
  // so every manylinux_2_X the runtime can load is listed, newest first.
  const pipPlatforms: string[] = [];
  for (let minor = glibc.minor; minor >= OLDEST_GLIBC_MINOR; minor -= 1) pipPlatforms.push(`manylinux_2_${minor}_${machine}`);
  pipPlatforms.push(`manylinux2014_${machine}`);
  return {
    ...target,
    machine,
    elfMachine: ELF_MACHINES[machine],
    abiTag: cpythonTag(target.pythonVersion),
    glibc,
    pipPlatforms,
    // uv knows manylinux_2_17 and _2_28.._2_40: its own tag expansion then accepts every older manylinux wheel.
    uvPlatform: `${machine}-manylinux_2_${glibc.minor}`,
    dockerPlatform: target.architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64',
  };
}

/** pip arguments that make it pick wheels for the target instead of the host. */
export function pipTargetArgs(platform: TargetPlatform): string[] {
  return [
    ...platform.pipPlatforms.flatMap((tag) => ['--platform', tag]),
    '--implementation', 'cp',
    '--python-version', platform.pythonVersion,
    '--abi', platform.abiTag,
    '--abi', 'abi3',
    '--abi', 'none',
    '--only-binary=:all:',
  ];
}

/** uv arguments that make it pick wheels for the target instead of the host. */
export function uvTargetArgs(platform: TargetPlatform): string[] {
  return ['--python-platform', platform.uvPlatform, '--python-version', platform.pythonVersion];
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
