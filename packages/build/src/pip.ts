import { normalizePackageName } from '@lambda-layer/core';
import { installerEnv } from './credentials.js';
import type { InstallContext, Installer, InstallOutcome, InstallRun } from './install.js';
import { pipTargetArgs } from './platform.js';
import { countRequirements } from './requirements.js';
import { runTool } from './run-tool.js';

/**
 * `pip install --target … --platform … --implementation cp --python-version … --only-binary=:all:`, `--no-deps` for a lock.
 * Takes only what the flags depend on, so the benchmark runs pip with exactly these flags.
 */
export function pipInstallArgs(
  context: Pick<InstallContext, 'pythonDir' | 'platform' | 'complete'>,
  run: Pick<InstallRun, 'file' | 'hashed'>,
): string[] {
  return [
    'install',
    '--no-input',
    '--disable-pip-version-check',
    // .pyc files would be compiled by the host's Python, not the target's.
    '--no-compile',
    // pip's closing conflict check looks at the host's site-packages, which the layer never meets.
    '--no-warn-conflicts',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
    // The layer belongs to whoever builds it; pip's warning about root is about system installs.
    '--root-user-action',
    'ignore',
    '--target',
    context.pythonDir,
    ...pipTargetArgs(context.platform),
    ...(context.complete ? ['--no-deps'] : []),
    // pip turns hash checking on by itself when a line has a hash; said here as for uv.
    ...(run.hashed ? ['--require-hashes'] : []),
    '-r',
    run.file,
  ];
}

/** The packages pip found no wheel for (its words: "Could not find a version that satisfies the requirement X"). */
export function pipMissingWheels(output: string): string[] {
  const names = new Set<string>();
  for (const match of output.matchAll(/Could not find a version that satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)/g)) {
    names.add(normalizePackageName(match[1] as string));
  }
  return [...names];
}

export const pipInstaller: Installer = {
  name: 'pip',
  async install(context, run): Promise<InstallOutcome> {
    const pip = context.installer;
    const env = installerEnv('pip', run.index, context.env, { exclusive: context.complete && run.index.indexUrl !== undefined });
    const progress = context.logger.progress('pip install', Math.max(1, await countRequirements(run.file)), 'files');
    let seen = 0;
    const result = await runTool(pip.command, [...pip.prefix, ...pipInstallArgs(context, run)], {
      cwd: context.repoDir,
      env,
      redactor: context.redactor,
      logger: context.logger,
      onLine: (line) => {
        if (/^(Collecting|Processing) /.test(line)) progress.update((seen += 1));
      },
    });
    progress.finish();
    if (result.code === 0) return { ok: true, output: result.output };
    return { ok: false, output: result.output, missingWheels: pipMissingWheels(result.output) };
  },
};
