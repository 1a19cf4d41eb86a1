import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUvLockPlainlyOutdated } from './lock-freshness.js';
import { ErrorCodes, LayerError, withNoProxyHosts } from '@lambda-layer/core';
import { installerEnv, uvIndexArgs } from './credentials.js';
import type { InstallContext, Installer, InstallOutcome } from './install.js';
import { uvTargetArgs } from './platform.js';
import type { ToolCommand } from './preflight.js';
import { countRequirements, normalizeName } from './requirements.js';
import { type ChildEnv, runTool, tail } from './run-tool.js';
import { startWheelFilterIndex } from './wheel-filter-index.js';
import type { Logger, Redactor } from '@lambda-layer/core';

/** `uv export --frozen --no-dev --no-emit-project`: the lock's main dependencies, pinned with hashes. */
export const UV_EXPORT_ARGS = ['export', '--frozen', '--no-dev', '--no-emit-project', '--format', 'requirements-txt', '--no-header', '--color', 'never'] as const;

/** uv's words for a lock that pyproject.toml has moved past. */
export function isUvLockOutdated(output: string): boolean {
  return /lockfile at `?uv\.lock`? needs to be updated/i.test(output);
}

/**
 * Exports uv.lock, refusing one that pyproject.toml's dependencies have moved
 * past. The quick reading of lock-freshness.ts decides when the lock agrees
 * (`--frozen`: no interpreter discovery); a difference is confirmed by uv
 * itself (`--locked`), so only uv can call a lock outdated.
 */
export async function uvExport(options: { uv: ToolCommand; repoDir: string; outputFile: string; env: ChildEnv; redactor: Redactor; logger: Logger }): Promise<void> {
  const [pyproject, lock] = await Promise.all([readFile(join(options.repoDir, 'pyproject.toml'), 'utf8'), readFile(join(options.repoDir, 'uv.lock'), 'utf8')]);
  const args = isUvLockPlainlyOutdated(pyproject, lock) ? UV_EXPORT_ARGS.map((arg) => (arg === '--frozen' ? '--locked' : arg)) : [...UV_EXPORT_ARGS];
  const result = await runTool(options.uv.command, [...options.uv.prefix, ...args], {
    cwd: options.repoDir,
    env: { ...options.env, UV_PYTHON_DOWNLOADS: 'never' },
    redactor: options.redactor,
    logger: options.logger,
    quietStdout: true,
  });
  if (result.code !== 0) {
    if (isUvLockOutdated(result.output)) {
      throw new LayerError(ErrorCodes.LOCK_OUTDATED, "uv.lock is out of date: pyproject.toml's dependencies changed since it was locked", {
        hint: 'run `uv lock` in the project folder and build again',
      });
    }
    throw new LayerError(ErrorCodes.BUILD_FAILED, `uv export failed: ${tail(result.output, 4)}`, {
      hint: 'check that uv.lock is up to date with pyproject.toml (`uv lock`)',
    });
  }
  await writeFile(options.outputFile, result.stdout);
}

/** `uv pip install --target … --python-platform … --python-version …`, wheels only. */
export function uvInstallArgs(context: InstallContext, requirementsFile: string, indexArgs = uvIndexArgs(context.credentials)): string[] {
  return [
    'pip', 'install',
    '--target', context.pythonDir,
    ...uvTargetArgs(context.platform),
    // Never build on the host for another platform: a pure sdist is built by us and checked first.
    '--no-build',
    // Copies, not hard links into uv's cache: the layer is edited (packaged, cleaned) later.
    '--link-mode', 'copy',
    ...(context.complete ? ['--no-deps'] : []),
    ...indexArgs,
    '-r', requirementsFile,
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
  for (const pattern of patterns) for (const match of output.matchAll(pattern)) names.add(normalizeName(match[1] as string));
  return [...names];
}

/** Index settings of the user's environment that would reach past the wheel filter. */
const UV_INDEX_VARIABLES = /^UV_(DEFAULT_INDEX|INDEX_URL|INDEX|EXTRA_INDEX_URL|FIND_LINKS|INDEX_.+_(USERNAME|PASSWORD))$/;

export const uvInstaller: Installer = {
  name: 'uv',
  async install(context, requirementsFile): Promise<InstallOutcome> {
    const uv = context.installer;
    let env = installerEnv('uv', context.credentials, context.env);
    let indexArgs = uvIndexArgs(context.credentials);
    // uv cannot say "glibc 2.26": give it only the wheels that load (see wheel-filter-index.ts).
    const filter = context.platform.uvNeedsWheelFilter
      ? await startWheelFilterIndex({ indexUrl: context.credentials.indexUrl, credentials: context.credentials, glibc: context.platform.glibc })
      : undefined;
    if (filter) {
      env = Object.fromEntries(Object.entries(installerEnv('uv', {}, context.env)).filter(([name]) => !UV_INDEX_VARIABLES.test(name)));
      // The filter listens on loopback: no proxy can reach it.
      env = withNoProxyHosts(env, [new URL(filter.url).hostname]);
      indexArgs = ['--default-index', filter.url];
      context.logger.debug(`uv reads ${context.credentials.indexUrl ?? 'pypi.org'} through ${filter.url}, which hides wheels needing glibc > ${context.platform.glibc.major}.${context.platform.glibc.minor}`);
    }
    const progress = context.logger.progress('uv pip install', Math.max(1, await countRequirements(requirementsFile)), 'files');
    let done = 0;
    try {
      const result = await runTool(uv.command, [...uv.prefix, ...uvInstallArgs(context, requirementsFile, indexArgs)], {
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
