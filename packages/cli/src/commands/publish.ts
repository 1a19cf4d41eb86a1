import { detectBuildTool, type LayerDeployment, parseBuildTool, requireConfigValue } from '@lambda-layer/core';
import type { LayerCommand } from '../command.js';

export const PUBLISH_KEYS = [
  'layer-name',
  's3dir',
  'tool',
  'description',
  'compatible-runtime',
  'compatible-architecture',
  'license-info',
  'force',
] as const;

export const publishCommand: LayerCommand<LayerDeployment> = {
  name: 'publish',
  describe: 'Step 4: publish a new layer version from the uploaded zip, only when the manifest changed',
  keys: PUBLISH_KEYS,
  flags: {
    force: {
      type: 'boolean',
      alias: 'f',
      describe: 'publish a new version even when the lock file did not change (command line only, not env or pyproject)',
      group: 'Step options:',
    },
    'force-unlock': {
      type: 'boolean',
      describe: 'first remove the publish lock whoever holds it (printing who held it), then run as usual',
      group: 'Step options:',
    },
  },
  examples: [
    ['layer publish --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'publish if uv.lock changed'],
    ['layer publish --force', 'publish a new version even though the lock file did not change (to replace a bad version)'],
    ['layer publish --force-unlock', 'remove a stuck publish lock, then publish if the lock file changed'],
  ],
  run: async (ctx) => {
    const values = ctx.config.values;
    const layerName = requireConfigValue(ctx.config, 'layer-name');
    const s3dir = requireConfigValue(ctx.config, 's3dir');
    // No default tool: publish fingerprints the manifest, so guessing the wrong lock file would be worse than asking.
    const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(ctx.projectDir);
    const { publishLayerVersion } = await import('@lambda-layer/publish');
    // A new version for an unchanged lock only when asked on this command line: a `force`
    // in the environment or pyproject.toml (meant for build, package, upload) would publish on every run.
    const force = values.force === true && ctx.config.sources.force === 'flag';
    if (values.force === true && !force) ctx.logger.debug(`publish ignores force from ${ctx.config.sources.force}: pass --force on the command line`);
    // Creating the clients sends nothing; publishLayerVersion validates every option before its first AWS call.
    return publishLayerVersion({
      projectDir: ctx.projectDir,
      tool,
      layerName,
      s3dir,
      s3Client: await ctx.aws.s3(),
      lambdaClient: await ctx.aws.lambda(),
      description: values.description,
      compatibleRuntimes: values['compatible-runtime'],
      compatibleArchitectures: values['compatible-architecture'],
      licenseInfo: values['license-info'],
      logger: ctx.logger,
      force,
      forceUnlock: ctx.argv['force-unlock'] === true,
      signal: ctx.signal,
    });
  },
  summary: (result) => [
    result.status === 'published'
      ? `Published layer version ${result.layerVersion} of ${result.layerName}`
      : `Unchanged: layer version ${result.layerVersion} of ${result.layerName} already holds these dependencies`,
    `  arn:      ${result.layerVersionArn}`,
    `  manifest: ${result.s3pathManifest}`,
  ],
};
