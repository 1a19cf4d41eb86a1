/**
 * Step 2.4: the installed tree holds exactly what the target runtime loads.
 * A wheel's tag is a claim; the shared objects themselves are the truth, so
 * every ELF file is read (elf.ts) and judged against the runtime (lambda-runtimes.ts,
 * LAMBDA_PYTHON_RUNTIMES): its machine, the newest `GLIBC_2.x`, `GLIBCXX_3.4.x`
 * and `CXXABI_1.3.x` symbol versions it needs, and each library it needs
 * (`NEEDED`), which must be in the layer or on the runtime. Every
 * distribution's Requires-Python must admit the target Python.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { mapLimit } from './concurrency.js';
import { compareDottedVersions, type ElfDynamicInfo, ElfFormatError, highestVersion, readElfDynamicInfo } from './elf.js';
import { listInstalled, walkFiles } from './installed.js';
import { describeTarget, ELF_MACHINES, isPythonAdmitted, isTagCompatible, type TargetPlatform } from './platform.js';

export { readElfMachine } from './elf.js';

export interface LayerProblem {
  file: string;
  package: string | undefined;
  reason: string;
  /** How to fix it, in a few words. */
  fix?: string;
}

const ELF_MACHINE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ELF_MACHINES).map(([name, value]) => [value, name]));
/** How many files are read at once (the reads are small and positional). */
const READ_CONCURRENCY = 16;

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

/** The symbol-version families the runtime's libraries cap, and where the cap comes from. */
function versionLimits(platform: TargetPlatform): Array<{ prefix: string; max: string; library: string; what: string }> {
  const os = platform.runtime.os;
  return [
    { prefix: 'GLIBC_', max: `${os.glibc.major}.${os.glibc.minor}`, library: 'glibc', what: 'glibc' },
    { prefix: 'GLIBCXX_', max: os.glibcxx, library: 'libstdc++.so.6', what: `libstdc++ (gcc ${os.gcc})` },
    { prefix: 'CXXABI_', max: os.cxxabi, library: 'libstdc++.so.6', what: `libstdc++ (gcc ${os.gcc})` },
  ];
}

/** Problems of one ELF file against the runtime (the layer's own libraries named in `layerLibraries`). */
export function elfProblems(
  file: string,
  pkg: string | undefined,
  elf: ElfDynamicInfo,
  platform: TargetPlatform,
  layerLibraries: ReadonlySet<string>,
): LayerProblem[] {
  const problems: LayerProblem[] = [];
  const runtime = platform.runtime;
  const where = `${runtime.identifier} on Lambda (${runtime.os.name})`;
  if (elf.machine !== platform.elfMachine) {
    problems.push({
      file,
      package: pkg,
      reason: `ELF for ${ELF_MACHINE_NAMES[elf.machine] ?? `machine ${elf.machine}`}, not ${platform.machine}`,
      fix: `build for --architecture ${platform.architecture} with wheels of that machine`,
    });
    return problems;
  }
  if (elf.bits !== 64) problems.push({ file, package: pkg, reason: '32-bit ELF; Lambda runs 64-bit code', fix: 'use a 64-bit build of the package' });

  // Versions needed from the runtime's own libraries (a library the layer bundles brings its own).
  const fromSystem = elf.versionNeeds.filter((need) => !layerLibraries.has(need.file)).flatMap((need) => need.versions);
  for (const limit of versionLimits(platform)) {
    const needed = highestVersion(fromSystem, limit.prefix);
    if (needed && compareDottedVersions(needed, limit.max) > 0) {
      problems.push({
        file,
        package: pkg,
        reason: `needs ${limit.prefix}${needed}; ${where} has ${limit.what} ${limit.prefix === 'GLIBC_' ? limit.max : `up to ${limit.prefix}${limit.max}`}`,
        fix:
          limit.prefix === 'GLIBC_'
            ? `pin a version of ${pkg ?? 'the package'} whose Linux wheels are manylinux_2_${runtime.os.glibc.minor} or older, or target a newer Python (python3.12+ run glibc 2.34)`
            : `pin a version of ${pkg ?? 'the package'} built with an older compiler (a manylinux wheel), or target a newer Python`,
      });
    }
  }
  for (const library of elf.needed) {
    if (runtime.os.systemLibraries.includes(library) || layerLibraries.has(basename(library))) continue;
    problems.push({
      file,
      package: pkg,
      reason: `needs ${library}, which neither the layer nor ${where} has`,
      fix: `use a build of ${pkg ?? 'the package'} that bundles ${library} (a manylinux wheel; for opencv-python, opencv-python-headless), or add ${library} to the layer`,
    });
  }
  return problems;
}

/**
 * Checks what was installed can run on the target: the wheels' tags, each
 * distribution's Requires-Python, and every ELF file (shared objects, and
 * executables whatever their name).
 */
export async function findLayerProblems(pythonDir: string, platform: TargetPlatform, options: { container?: boolean } = {}): Promise<LayerProblem[]> {
  const problems: LayerProblem[] = [];
  const installed = await listInstalled(pythonDir);
  const owner = new Map<string, string>();
  for (const dist of installed) for (const file of dist.files) owner.set(file, dist.name);

  // Read side by side; judged in order below.
  const [wheels, files] = await Promise.all([
    Promise.all(installed.map((dist) => readFile(join(pythonDir, dist.distInfo, 'WHEEL'), 'utf8').catch(() => ''))),
    walkFiles(pythonDir),
  ]);
  for (const [index, dist] of installed.entries()) {
    const wheel = wheels[index] ?? '';
    const tags = [...wheel.matchAll(/^Tag:\s*(\S+)\s*$/gm)].map((match) => match[1] as string);
    if (tags.length && !tags.some((tag) => isTagCompatible(tag, platform, Boolean(options.container)))) {
      problems.push({
        file: `${dist.distInfo}/WHEEL`,
        package: dist.name,
        reason: `wheel tags ${tags.join(', ')} do not fit ${describe(platform)}`,
        fix: `pin a version of ${dist.name} with a wheel for ${describeTarget(platform)}, or build with --container`,
      });
    }
    if (dist.requiresPython && !isPythonAdmitted(dist.requiresPython, platform.pythonVersion)) {
      problems.push({
        file: `${dist.distInfo}/METADATA`,
        package: dist.name,
        reason: `${dist.name} ${dist.version} requires Python ${dist.requiresPython}, which excludes ${platform.runtime.identifier}`,
        fix: `pin a version of ${dist.name} that supports Python ${platform.pythonVersion}, or target a Python it supports`,
      });
    }
  }

  const candidates = files.filter((file) => isSharedObject(file.path) || file.executable);
  const elves = await mapLimit(candidates, READ_CONCURRENCY, async (file) => {
    try {
      return { file, elf: await readElfDynamicInfo(join(pythonDir, file.path)) };
    } catch (error) {
      if (error instanceof ElfFormatError) return { file, elf: undefined, damaged: error.message };
      throw error;
    }
  });
  // Libraries the layer brings itself (auditwheel's `numpy.libs/libscipy_openblas64_-….so`), by file name and soname.
  const layerLibraries = new Set<string>();
  for (const { file, elf } of elves) {
    if (!elf) continue;
    layerLibraries.add(basename(file.path));
    if (elf.soname) layerLibraries.add(elf.soname);
  }

  for (const item of elves) {
    const { file, elf } = item;
    const pkg = owner.get(file.path);
    if (!elf) {
      if (isSharedObject(file.path))
        problems.push({ file: file.path, package: pkg, reason: 'damaged' in item ? `damaged ELF file (${item.damaged})` : 'not an ELF file' });
      continue;
    }
    problems.push(...elfProblems(file.path, pkg, elf, platform, layerLibraries));
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
  throw new LayerError(
    ErrorCodes.PLATFORM_MISMATCH,
    `${problems.length} installed file(s) do not fit ${describe(platform)}: ${shown.join('; ')}${more}`,
    {
      hint: problems.find((p) => p.fix)?.fix ?? 'pin versions with manylinux wheels for the target, or build with --container',
      details: { problems },
    },
  );
}
