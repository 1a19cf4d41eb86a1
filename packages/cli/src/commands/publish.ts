import {
  detectBuildTool,
  formatPackageChanges,
  type LayerDeployment,
  type MultiRegionResult,
  parseBuildTool,
  type PublishPlan,
  requireConfigValue,
  type ResolvedConfig,
} from '@lambda-layer/core';
import type { LayerSharing } from '@lambda-layer/publish';
import type { CommandContext, LayerCommand } from '../command.js';
import { inEachRegion, regionRuns, summarizeRegions } from '../regions.js';

/** What publish reports: one region's deployment (or dry-run plan), or one entry per region. */
export type Publication = LayerDeployment | PublishPlan;
export interface MultiRegionPublication extends MultiRegionResult<Publication> {
  layerName: string;
  dryRun?: true;
}
export type PublishOutcome = Publication | MultiRegionPublication;

/**
 * Sharing is managed only when some sharing setting is given (a flag, a
 * variable, or a key in pyproject.toml, even `share-with-account = []` or
 * `public = false`): then the version's grants of this tool are exactly the
 * listed ones. With none, every grant stays as it is, and publish needs no
 * permission on the layer's policy.
 */
export function sharingOf(config: ResolvedConfig): LayerSharing | undefined {
  const { sources, values } = config;
  if (!sources['share-with-account'] && !sources['share-with-org'] && !sources.public) return undefined;
  return { accounts: values['share-with-account'] ?? [], organizations: values['share-with-org'] ?? [], public: values.public === true };
}

export interface PublishStepOptions {
  /**
   * Part of `layer workflow`: `force` from anywhere never forces a new
   * version there, and a dry run does not look for the zip (the workflow's
   * upload would put it there first).
   */
  inWorkflow?: boolean;
}

/** Publish (or, with --dry-run, plan) in one region: `context` holds that region's clients and s3dir. */
export async function publishInRegion(ctx: CommandContext, options: PublishStepOptions = {}): Promise<Publication> {
  const values = ctx.config.values;
  const layerName = requireConfigValue(ctx.config, 'layer-name');
  const s3dir = requireConfigValue(ctx.config, 's3dir');
  // No default tool: publish fingerprints the manifest, so guessing the wrong lock file would be worse than asking.
  const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(ctx.projectDir);
  const { planLayerVersion, publishLayerVersion } = await import('@lambda-layer/publish');
  // A new version for an unchanged lock only when asked on this command line: a `force`
  // in the environment or pyproject.toml (meant for build, package, upload) would publish on every run.
  const force = !options.inWorkflow && values.force === true && ctx.config.sources.force === 'flag';
  if (values.force === true && !force && !options.inWorkflow)
    ctx.logger.debug(`publish ignores force from ${ctx.config.sources.force}: pass --force on the command line`);
  const sharing = sharingOf(ctx.config);
  // Creating the clients sends nothing; publishLayerVersion validates every option before its first AWS call.
  const publishOptions = {
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
    ...(sharing ? { sharing } : {}),
    ...(values['keep-versions'] !== undefined ? { keepVersions: values['keep-versions'], deleteManifests: values['delete-manifests'] === true } : {}),
  };
  if (values['dry-run'] === true) return planLayerVersion({ ...publishOptions, checkLayerZip: !options.inWorkflow });
  return publishLayerVersion(publishOptions);
}

/** Publishes in every configured region (see `inEachRegion`). */
export async function publishInRegions(ctx: CommandContext, options: PublishStepOptions = {}): Promise<PublishOutcome> {
  const layerName = requireConfigValue(ctx.config, 'layer-name');
  return inEachRegion(
    'publish',
    await regionRuns(ctx),
    (context) => publishInRegion(context, options),
    (base) => ({
      ...base,
      layerName,
      ...(ctx.config.values['dry-run'] === true ? { dryRun: true as const } : {}),
    }),
  );
}

export function isMultiRegion(outcome: PublishOutcome): outcome is MultiRegionPublication {
  return 'regions' in outcome && Array.isArray(outcome.regions);
}

/** The lines a person reads about one region's publish. */
export function describePublication(result: Publication, indent = ''): string[] {
  const changes = result.changes ? formatPackageChanges(result.changes) : 'package changes unknown';
  const lines: string[] = [];
  if (result.status === 'would-publish')
    lines.push(`${indent}Would publish version ${result.layerVersion} of ${result.layerName}: ${changes} (${result.reason})`);
  else if (result.status === 'published')
    lines.push(`${indent}Published layer version ${result.layerVersion} of ${result.layerName}: ${changes} (${result.reason})`);
  else lines.push(`${indent}Unchanged: layer version ${result.layerVersion} of ${result.layerName} already holds these dependencies`);
  if (result.layerVersionArn) lines.push(`${indent}  arn:      ${result.layerVersionArn}`);
  lines.push(`${indent}  manifest: ${result.s3pathManifest}${result.status === 'would-publish' ? ' (would be stored)' : ''}`);
  const would = 'dryRun' in result ? 'would ' : '';
  if (result.sharing) {
    const { grants, added, removed } = result.sharing;
    const changed = [
      ...added.map((g) => `+${g.kind === 'public' ? 'public' : g.principal}`),
      ...removed.map((g) => `-${g.kind === 'public' ? 'public' : g.principal}`),
    ];
    lines.push(
      `${indent}  shared:   ${grants.length ? grants.map((g) => (g.kind === 'public' ? 'every AWS account' : g.principal)).join(', ') : 'with no one (by this tool)'}${changed.length ? ` (${would}change: ${changed.join(' ')})` : ''}`,
    );
  }
  if (result.retention) {
    const { deleted, inUse } = result.retention;
    lines.push(
      `${indent}  retention: ${deleted.length ? `${would}delete${would ? '' : 'd'} version${deleted.length === 1 ? '' : 's'} ${deleted.join(', ')}` : 'no version to delete'}`,
    );
    for (const used of inUse) lines.push(`${indent}             kept version ${used.layerVersion}: used by ${used.functions.join(', ')}`);
  }
  return lines;
}

export const publishCommand: LayerCommand<PublishOutcome> = {
  name: 'publish',
  describe: 'Step 4: publish a new layer version from the uploaded zip, only when the manifest changed',
  flags: {
    'force-unlock': {
      type: 'boolean',
      describe: 'first remove the publish lock whoever holds it (printing who held it), then run as usual',
      group: 'Step options:',
    },
  },
  examples: [
    ['layer publish --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'publish if uv.lock changed'],
    ['layer publish --dry-run', 'say whether a version would be published and what changed (six 1.16.0 → 1.17.0, + idna 3.10), writing nothing'],
    ['layer publish --share-with-account 111122223333 --share-with-account 444455556666', 'let two other accounts use the layer'],
    ['layer publish --share-with-org o-a1b2c3d4e5', 'let every account of an organization use the layer'],
    ['layer publish --public', 'let every AWS account use the layer'],
    ['layer publish --region us-east-1 --region eu-west-1 --s3dir s3://my-layers-{region}/app/lambda/', 'publish in two regions, one bucket each'],
    ['layer publish --keep-versions 10', 'after publishing, delete all but the newest 10 versions (versions functions use are kept)'],
    ['layer publish --keep-versions 10 --delete-manifests', 'also delete the manifest backups of the deleted versions'],
    ['layer publish --force', 'publish a new version even though the lock file did not change (to replace a bad version)'],
    ['layer publish --force-unlock', 'remove a stuck publish lock, then publish if the lock file changed'],
  ],
  run: (ctx) => publishInRegions(ctx),
  summary: (result) => summarizeRegions(result, describePublication),
};
