import {
  configEnvName,
  detectBuildTool,
  ErrorCodes,
  LayerError,
  type MultiRegionResult,
  parseBuildTool,
  type PruneResult,
  requireConfigValue,
} from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from '../command.js';
import { inEachRegion, regionRuns, summarizeRegions } from '../regions.js';

export type PruneOutcome = PruneResult | MultiRegionResult<PruneResult>;

/** Retention in one region: `context` holds that region's clients and s3dir. */
export async function pruneInRegion(context: CommandContext): Promise<PruneResult> {
  const values = context.config.values;
  const layerName = requireConfigValue(context.config, 'layer-name');
  const s3dir = requireConfigValue(context.config, 's3dir');
  const keepVersions = values['keep-versions'];
  if (keepVersions === undefined) {
    throw new LayerError(ErrorCodes.CONFIG_MISSING_VALUE, 'missing setting keep-versions: how many of the newest versions to keep', {
      hint: `pass --keep-versions N, set ${configEnvName('keep-versions')}, or add keep-versions = N to [tool.lambda-layer] in pyproject.toml`,
      details: { key: 'keep-versions' },
    });
  }
  // The tool names the manifest backups (layer/000003/uv.lock); none is guessed between two lock files.
  const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(context.projectDir);
  const { pruneLayerVersions } = await import('@lambda-layer/publish');
  return pruneLayerVersions({
    layerName,
    s3dir,
    tool,
    keepVersions,
    deleteManifests: values['delete-manifests'] === true,
    dryRun: values['dry-run'] === true,
    s3Client: await context.aws.s3(),
    lambdaClient: await context.aws.lambda(),
    logger: context.logger,
    signal: context.signal,
  });
}

function describePrune(result: PruneResult, indent = ''): string[] {
  const would = result.dryRun ? 'would delete' : 'deleted';
  return [
    `${indent}${result.deleted.length ? `${result.dryRun ? 'Would delete' : 'Deleted'} version${result.deleted.length === 1 ? '' : 's'} ${result.deleted.join(', ')} of ${result.layerName}` : `Nothing to delete: ${result.layerName} has no version older than the newest ${result.keepVersions} that no function uses`}`,
    `${indent}  kept:     ${result.kept.join(', ') || '-'} (the newest ${result.keepVersions})`,
    ...result.inUse.map((used) => `${indent}  kept:     ${used.layerVersion}, used by ${used.functions.join(', ')}`),
    ...(result.deletedManifests.length ? [`${indent}  manifests ${would}: ${result.deletedManifests.join(', ')}`] : []),
  ];
}

export const pruneCommand: LayerCommand<PruneOutcome> = {
  name: 'prune',
  describe: 'Delete the layer versions older than the newest N, keeping every version a function still uses',
  examples: [
    ['layer prune --keep-versions 10 --dry-run', 'list what would be deleted, and which old versions functions still use'],
    ['layer prune --keep-versions 10', 'delete all but the newest 10 versions; manifest backups stay in S3'],
    ['layer prune --keep-versions 10 --delete-manifests', 'delete the manifest backups of the deleted versions too'],
    ['layer prune --keep-versions 3 --region us-east-1 --region eu-west-1 --s3dir s3://my-layers-{region}/app/lambda/', 'prune in two regions'],
  ],
  run: async (context) => inEachRegion('prune', await regionRuns(context), pruneInRegion, (base) => base),
  summary: (result) => summarizeRegions(result, describePrune),
};
