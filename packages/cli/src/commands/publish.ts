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
] as const;

export const publishCommand: LayerCommand<LayerDeployment> = {
  name: 'publish',
  describe: 'Step 4: publish a new layer version from the uploaded zip, only when the manifest changed',
  keys: PUBLISH_KEYS,
  examples: [['layer publish --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'publish if uv.lock changed']],
  run: async (ctx) => {
    const values = ctx.config.values;
    const layerName = requireConfigValue(ctx.config, 'layer-name');
    const s3dir = requireConfigValue(ctx.config, 's3dir');
    // No default tool: publish fingerprints the manifest, so guessing the wrong lock file would be worse than asking.
    const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(ctx.projectDir);
    const { publishLayerVersion } = await import('@lambda-layer/publish');
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
