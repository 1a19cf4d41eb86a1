import { writeFile } from 'node:fs/promises';
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { installerEnv, uvIndexArgs } from './credentials.js';
import type { InstallContext, Installer, InstallOutcome } from './install.js';
import { uvTargetArgs } from './platform.js';
import type { ToolCommand } from './preflight.js';
import { countRequirements, normalizeName } from './requirements.js';
import { type ChildEnv, runTool, tail } from './run-tool.js';
import type { Logger, Redactor } from '@lambda-layer/core';

/** `uv export --frozen --no-dev --no-emit-project`: the lock's main dependencies, pinned with hashes. */
export const UV_EXPORT_ARGS = ['export', '--frozen', '--no-dev', '--no-emit-project', '--format', 'requirements-txt', '--no-header', '--color', 'never'] as const;

export async function uvExport(options: { uv: ToolCommand; repoDir: string; outputFile: string; env: ChildEnv; redactor: Redactor; logger: Logger }): Promise<void> {
  const result = await runTool(options.uv.command, [...options.uv.prefix, ...UV_EXPORT_ARGS], {
    cwd: options.repoDir,
    env: { ...options.env, UV_PYTHON_DOWNLOADS: 'never' },
    redactor: options.redactor,
    logger: options.logger,
    quietStdout: true,
  });
  if (result.code !== 0) {
    throw new LayerError(ErrorCodes.BUILD_FAILED, `uv export failed: ${tail(result.output, 4)}`, {
      hint: 'check that uv.lock is up to date with pyproject.toml (`uv lock`)',
    });
  }
  await writeFile(options.outputFile, result.stdout);
}

/** `uv pip install --target … --python-platform … --python-version …`, wheels only. */
export function uvInstallArgs(context: InstallContext, requirementsFile: string): string[] {
  return [
    'pip', 'install',
    '--target', context.pythonDir,
    ...uvTargetArgs(context.platform),
    // Never build on the host for another platform: a pure sdist is built by us and checked first.
    '--no-build',
    // Copies, not hard links into uv's cache: the layer is edited (packaged, cleaned) later.
    '--link-mode', 'copy',
    ...(context.complete ? ['--no-deps'] : []),
    ...uvIndexArgs(context.credentials),
    '-r', requirementsFile,
  ];
}

/** The packages uv found no usable wheel for ("Because X==1.0 has no usable wheels and building from source is disabled"). */
export function uvMissingWheels(output: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /([A-Za-z0-9][A-Za-z0-9._-]*)(?:==[^\s]+)? has no usable wheels/g,
    /Distribution `([A-Za-z0-9][A-Za-z0-9._-]*)==[^`]+` can't be installed because it is marked as `--no-build` but has no binary distribution/g,
    /([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ (?:is|was) (?:only )?(?:available as a source distribution|not available as a wheel)/g,
    /Wheels are required for `([A-Za-z0-9][A-Za-z0-9._-]*)` because building from source is disabled/g,
  ];
  for (const pattern of patterns) for (const match of output.matchAll(pattern)) names.add(normalizeName(match[1] as string));
  return [...names];
}

export const uvInstaller: Installer = {
  name: 'uv',
  async install(context, requirementsFile): Promise<InstallOutcome> {
    const uv = context.tools.installer;
    const env = installerEnv('uv', context.credentials, context.env);
    const progress = context.logger.progress('uv pip install', Math.max(1, await countRequirements(requirementsFile)), 'files');
    let done = 0;
    const result = await runTool(uv.command, [...uv.prefix, ...uvInstallArgs(context, requirementsFile)], {
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
    if (result.code === 0) return { ok: true, output: result.output };
    return {
      ok: false,
      output: result.output,
      missingWheels: uvMissingWheels(result.output),
      authFailed: /401 Unauthorized|403 Forbidden|lack of valid authentication/.test(result.output),
    };
  },
};
