import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { installerEnv } from './credentials.js';
import type { InstallContext } from './install.js';
import { requirePip } from './pip.js';
import { formatRequirements, type RequirementEntry, usesHashes } from './requirements.js';
import { runTool, tail } from './run-tool.js';

export interface BuiltWheel {
  name: string;
  path: string;
  sha256: string;
}

function containerHint(name: string): string {
  return `build with --container (inside the SAM build image, where ${name} compiles for the target), or pin a version of ${name} that ships manylinux wheels`;
}

/** Pure-Python wheels run anywhere: their tag ends in `-none-any`. */
export function isPureWheel(fileName: string): boolean {
  return /-none-any\.whl$/.test(fileName);
}

/**
 * Builds the sdist of a package that has no wheel for the target into a wheel,
 * on the host, with pip. Only a pure-Python result is usable for another
 * platform; native code fails here, naming the package and suggesting --container.
 */
export async function buildPureWheel(context: InstallContext, name: string, entries: readonly RequirementEntry[]): Promise<BuiltWheel> {
  const pip = await requirePip(context);
  const target = `Python ${context.platform.pythonVersion} on ${context.platform.architecture}`;
  const dir = join(context.repoDir, 'sdist', name);
  const wheelhouse = join(dir, 'wheels');
  await mkdir(wheelhouse, { recursive: true });
  // The entry as the lock pins it, hashes included: pip checks the sdist against them.
  const entry = entries.find((candidate) => candidate.name === name) ?? { name, text: name };
  const single = join(dir, 'requirement.txt');
  await writeFile(single, formatRequirements([entry]));
  context.logger.detail(`${name}: no wheel for ${target}; building its source distribution`);
  const result = await runTool(
    pip.command,
    [...pip.prefix, 'wheel', '--no-input', '--disable-pip-version-check', '--no-deps', '--no-binary', name, '--wheel-dir', wheelhouse, '-r', single],
    { cwd: context.repoDir, env: { ...installerEnv('pip', context.credentials, context.env), ...context.pipSettings }, redactor: context.redactor, logger: context.logger },
  );
  const built = (await readdir(wheelhouse)).filter((file) => file.endsWith('.whl'));
  const wheel = built[0];
  if (result.code !== 0 || !wheel) {
    throw new LayerError(ErrorCodes.NATIVE_SDIST_ONLY, `${name} has no wheel for ${target} and its source distribution failed to build here (${tail(result.output, 2)})`, {
      hint: containerHint(name),
      details: { package: name },
    });
  }
  if (!isPureWheel(wheel)) {
    throw new LayerError(ErrorCodes.NATIVE_SDIST_ONLY, `${name} has no wheel for ${target}, only a source distribution with native code (it built ${wheel} for this machine)`, {
      hint: containerHint(name),
      details: { package: name, wheel },
    });
  }
  const path = join(wheelhouse, wheel);
  const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
  context.logger.detail(`${name}: built pure-Python ${wheel}`);
  return { name, path, sha256 };
}

/**
 * The requirements with each built package pointing at its wheel file, hashed
 * like the rest when the file uses hashes (pip checks all or none).
 */
export function withBuiltWheels(entries: readonly RequirementEntry[], wheels: readonly BuiltWheel[]): RequirementEntry[] {
  const hashed = usesHashes(entries);
  const built = new Set(wheels.map((wheel) => wheel.name));
  const rest = entries.filter((entry) => !entry.name || !built.has(entry.name));
  const added = wheels.map((wheel) => ({
    name: wheel.name,
    text: `${wheel.name} @ ${pathToFileURL(wheel.path).href}${hashed ? ` --hash=sha256:${wheel.sha256}` : ''}`,
  }));
  return [...rest, ...added];
}

