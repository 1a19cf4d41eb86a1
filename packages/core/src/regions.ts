/**
 * Publishing to several regions. Lambda reads a layer's content only from a
 * bucket in its own region, so an s3dir shared by several regions names its
 * bucket with a `{region}` placeholder (`s3://my-layers-{region}/app/lambda/`),
 * expanded to one bucket per region.
 */
import type { ConfigSource, ResolvedConfig } from './config.js';
import { ErrorCodes, LayerError } from './errors.js';
import { checkKmsKeyRegions } from './s3-object-settings.js';

export const REGION_PLACEHOLDER = '{region}';

export function hasRegionPlaceholder(s3dir: string): boolean {
  return s3dir.includes(REGION_PLACEHOLDER);
}

/** The s3dir of one region: every `{region}` replaced by the region's name. */
export function s3dirForRegion(s3dir: string, region: string): string {
  return s3dir.split(REGION_PLACEHOLDER).join(region);
}

const RANK: Record<ConfigSource, number> = { flag: 3, env: 2, pyproject: 1, default: 0 };

/**
 * The regions the settings name, in order, each once: `--region` (repeatable)
 * or `LAYER_REGION`, else `regions` (or `region`) in pyproject.toml. Empty
 * means "the AWS SDK's own chain decides" (AWS_REGION, the profile). The
 * two keys given at the same level disagree about which wins, so that is an
 * error naming both.
 */
export function configuredRegions(config: ResolvedConfig): string[] {
  const single = config.values.region;
  const plural = config.values.regions;
  const singleRank = single?.length ? RANK[config.sources.region ?? 'default'] : -1;
  const pluralRank = plural?.length ? RANK[config.sources.regions ?? 'default'] : -1;
  if (singleRank >= 0 && singleRank === pluralRank && singleRank > 0) {
    const where = config.sources.region === 'pyproject' ? `[tool.lambda-layer] of ${config.pyproject.path}` : 'the environment';
    const fromFile = config.sources.region === 'pyproject';
    throw new LayerError(fromFile ? ErrorCodes.CONFIG_INVALID_VALUE : ErrorCodes.USAGE, `both region and regions are set in ${where}`, {
      hint: fromFile ? 'keep one of them: regions = ["us-east-1", "eu-west-1"]' : 'set one of LAYER_REGION and LAYER_REGIONS',
      details: { key: 'regions' },
    });
  }
  const regions = singleRank >= pluralRank ? single : plural;
  return [...new Set(regions ?? [])];
}

/**
 * What several regions need, checked before any AWS call (a usage error,
 * exit 2): an s3dir holding `{region}`, since each region needs a bucket of
 * its own, a plain layer name, since a layer ARN names one region, and an
 * SSE-KMS key that exists in every region (see `checkKmsKeyRegions`).
 */
export function checkRegionTargets(
  regions: readonly string[],
  settings: { s3dir?: string | undefined; layerName?: string | undefined; kmsKeyId?: string | undefined },
): void {
  checkKmsKeyRegions(settings.kmsKeyId, regions);
  if (regions.length <= 1) return;
  if (settings.s3dir !== undefined && !hasRegionPlaceholder(settings.s3dir)) {
    throw new LayerError(
      ErrorCodes.USAGE,
      `${regions.length} regions (${regions.join(', ')}) need one bucket each, but the s3dir ${settings.s3dir} has no ${REGION_PLACEHOLDER}`,
      {
        hint: `put ${REGION_PLACEHOLDER} in the s3dir, e.g. s3://my-layers-${REGION_PLACEHOLDER}/app/lambda/ (Lambda reads a layer only from a bucket in its own region)`,
        details: { key: 's3dir', regions },
      },
    );
  }
  const arnRegion = settings.layerName?.startsWith('arn:') ? settings.layerName.split(':')[3] : undefined;
  if (arnRegion !== undefined) {
    throw new LayerError(
      ErrorCodes.USAGE,
      `the layer name ${settings.layerName} is a layer ARN of region ${arnRegion}, but ${regions.length} regions are configured`,
      {
        hint: 'use the plain layer name with several regions',
        details: { key: 'layer-name', regions },
      },
    );
  }
}
