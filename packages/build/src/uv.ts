import { normalizePackageName, withNoProxyHosts } from '@lambda-layer/core';
import { installerEnv, uvIndexArgs } from './credentials.js';
import type { InstallContext, Installer, InstallOutcome, InstallRun } from './install.js';
import { uvTargetArgs } from './platform.js';
import { countRequirements } from './requirements.js';
import { runTool } from './run-tool.js';
import { startWheelFilterIndex } from './wheel-filter-index.js';

/**
 * `uv pip install --target … --python-platform … --python-version …`, wheels
 * only, of exactly the given pins when they are a lock (`--no-deps`), each
 * file checked against the lock's hashes (`--require-hashes`).
 */
export function uvInstallArgs(context: InstallContext, run: InstallRun, indexArgs = uvIndexArgs(run.index)): string[] {
  return [
    'pip',
    'install',
    '--target',
    context.pythonDir,
    ...uvTargetArgs(context.platform),
    // The folder is laid out for this interpreter (its version does not matter: the target's is given above).
    ...(context.tools.uvPython ? ['--python', context.tools.uvPython] : []),
    // Never build on the host for another platform: a pure sdist is built by us and checked first.
    '--no-build',
    // uv's own link mode: hard links into its cache on Linux, clones on macOS. The build never
    // edits an installed file in place (reproducible.ts replaces the RECORDs it rewrites).
    ...(context.complete ? ['--no-deps'] : []),
    ...(run.hashed ? ['--require-hashes'] : []),
    ...indexArgs,
    '-r',
    run.file,
  ];
}

/** The packages uv found nothing to install for ("Because X==1.0 has no usable wheels…", "there is no version of X==9"). */
export function uvMissingWheels(output: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /([A-Za-z0-9][A-Za-z0-9._-]*)(?:==[^\s]+)? has no usable wheels/g,
    /Distribution `([A-Za-z0-9][A-Za-z0-9._-]*)==[^`]+` can't be installed because it is marked as `--no-build` but has no binary distribution/g,
    /([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ (?:is|was) (?:only )?(?:available as a source distribution|not available as a wheel)/g,
    /Wheels are required for `([A-Za-z0-9][A-Za-z0-9._-]*)` because building from source is disabled/g,
    /there is no version of ([A-Za-z0-9][A-Za-z0-9._-]*)/g,
    /([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ has no wheels with a matching/g,
    /Because ([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the package registry/g,
  ];
  for (const pattern of patterns) for (const match of output.matchAll(pattern)) names.add(normalizePackageName(match[1] as string));
  return [...names];
}

/** uv's words when it found no Python to lay a --target folder out for. */
export function isUvWithoutInterpreter(output: string): boolean {
  return /No interpreter found/i.test(output);
}

export const uvInstaller: Installer = {
  name: 'uv',
  async install(context, run): Promise<InstallOutcome> {
    const uv = context.installer;
    const exclusive = context.complete && run.index.indexUrl !== undefined;
    let env = installerEnv('uv', run.index, context.env, { exclusive });
    let indexArgs = uvIndexArgs(run.index);
    // uv cannot say "glibc 2.26": give it only the wheels that load (see wheel-filter-index.ts).
    const filter = context.platform.uvNeedsWheelFilter
      ? await startWheelFilterIndex({ indexUrl: run.index.indexUrl, credentials: run.index, glibc: context.platform.glibc })
      : undefined;
    if (filter) {
      env = installerEnv('uv', {}, context.env, { exclusive: true });
      // The filter listens on loopback: no proxy can reach it.
      env = withNoProxyHosts(env, [new URL(filter.url).hostname]);
      indexArgs = ['--default-index', filter.url];
      context.logger.debug(
        `uv reads ${run.index.indexUrl ?? 'pypi.org'} through ${filter.url}, which hides wheels needing glibc > ${context.platform.glibc.major}.${context.platform.glibc.minor}`,
      );
    }
    const progress = context.logger.progress('uv pip install', Math.max(1, await countRequirements(run.file)), 'files');
    let done = 0;
    try {
      const result = await runTool(uv.command, [...uv.prefix, ...uvInstallArgs(context, run, indexArgs)], {
        cwd: context.repoDir,
        env,
        redactor: context.redactor,
        logger: context.logger,
        // uv lists each installed distribution as " + name==version" once it is in place.
        onLine: (line) => {
          if (/^\s*\+ /.test(line)) progress.update((done += 1));
        },
      });
      progress.finish();
      for (const [project, files] of filter?.hidden ?? []) context.logger.debug(`${project}: hid ${files.length} wheel(s) needing a newer glibc`);
      if (result.code === 0) return { ok: true, output: result.output };
      return { ok: false, output: result.output, missingWheels: uvMissingWheels(result.output) };
    } finally {
      await filter?.close();
    }
  },
};
