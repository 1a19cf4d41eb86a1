import { type BuildResult, detectBuildTool, formatBytes, parseBuildTool, parseInstaller } from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from '../command.js';

export const buildCommand: LayerCommand<BuildResult> = {
  name: 'build',
  describe: 'Step 1: install the locked dependencies into build/lambda/layer/artifacts/python/',
  examples: [
    ['layer build --tool uv --python-version 3.12 --architecture arm64', 'build for Python 3.12 on Graviton'],
    ['layer build --installer pip', "install the lock with the pinned pip instead of the pinned uv (pip's exact behaviour)"],
    ['layer build', 'installs importable code only: console-script launchers (bin/) are left out, Lambda never runs them'],
  ],
  run: async (context: CommandContext) => {
    // Imported here so `layer --help` does not load the step.
    const { buildLayer, credentialsFromEnv } = await import('@lambda-layer/build');
    const values = context.config.values;
    const tool = values.tool ? parseBuildTool(values.tool) : await detectBuildTool(context.projectDir);
    const indexUrl = values['index-url'];
    const indexName = values['index-name'];
    return buildLayer({
      projectDir: context.projectDir,
      tool,
      ...(values['python-version'] ? { pythonVersion: values['python-version'] } : {}),
      ...(values.architecture ? { architecture: values.architecture } : {}),
      container: Boolean(values.container),
      ...(values.installer ? { installer: parseInstaller(values.installer) } : {}),
      ...(indexUrl ? { indexUrl } : {}),
      ...(indexName ? { indexName } : {}),
      // Index credentials come only from the environment, never from flags.
      credentials: credentialsFromEnv({ ...(indexUrl ? { indexUrl } : {}), ...(indexName ? { indexName } : {}) }),
      yes: Boolean(values.yes),
      interactive: context.interactive,
      force: Boolean(values.force),
      // The proxy and CA bundle reach pip, uv and Poetry through their own variables, and the build's own index requests.
      network: await context.network(),
      logger: context.logger,
      signal: context.signal,
    });
  },
  summary: (result) => [
    `${result.status === 'unchanged' ? 'unchanged' : 'built'}: ${result.packages.length} packages for Python ${result.pythonVersion} on ${result.architecture} with ${result.tool}${result.installer ? ` (installed by ${result.installer} ${result.installerVersion})` : ''}${result.container ? ' (in a container)' : ''}`,
    `${result.pythonDir} (${formatBytes(result.bytes)}, ${result.files} files)`,
  ],
};
