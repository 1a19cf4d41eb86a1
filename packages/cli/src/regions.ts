import {
  checkRegionTargets,
  ErrorCodes,
  hasRegionPlaceholder,
  interruptedError,
  interruptSignalOf,
  isInterruptedError,
  LayerError,
  type MultiRegionResult,
  type RegionFailure,
  type RegionOutcome,
  requireConfigValue,
  s3dirForRegion,
} from '@lambda-layer/core';
import type { AwsClients } from './aws-clients.js';
import type { CommandContext } from './command.js';
import { toOneLineError } from './one-line-error.js';

/** One region a command runs in, with a context of its own. */
export interface RegionRun {
  /** Undefined when one region is used and nothing needs its name (the SDK's chain decides). */
  region: string | undefined;
  context: CommandContext;
}

/** The region the clients resolve from the SDK's chain (AWS_REGION, the profile), if any. */
async function clientRegion(aws: AwsClients): Promise<string | undefined> {
  const client = await aws.s3();
  return client.config.region().catch(() => undefined);
}

function withS3dir(context: CommandContext, s3dir: string): CommandContext {
  return { ...context, config: { ...context.config, values: { ...context.config.values, s3dir } } };
}

/**
 * The regions upload, publish and prune run in, each with its own clients
 * and its own s3dir (`{region}` expanded: Lambda reads a layer only from a
 * bucket in its own region) and, when there are several, a logger that
 * prefixes each line with the region. Checked before any AWS call: several
 * regions need `{region}` in the s3dir and a plain layer name.
 */
export async function regionRuns(context: CommandContext): Promise<RegionRun[]> {
  const s3dir = requireConfigValue(context.config, 's3dir');
  const regions = context.regions;
  checkRegionTargets(regions, { s3dir, layerName: context.config.values['layer-name'], kmsKeyId: context.s3Objects.kmsKeyId });
  if (regions.length <= 1) {
    if (!hasRegionPlaceholder(s3dir)) return [{ region: regions[0], context }];
    const region = regions[0] ?? (await clientRegion(context.aws));
    if (!region) {
      throw new LayerError(ErrorCodes.CONFIG_MISSING_VALUE, `the s3dir ${s3dir} holds {region}, but no AWS region is set`, {
        hint: 'pass --region (or set AWS_REGION, or a region in the AWS profile)',
        details: { key: 'region' },
      });
    }
    return [{ region, context: withS3dir(context, s3dirForRegion(s3dir, region)) }];
  }
  return regions.map((region) => ({
    region,
    context: {
      ...withS3dir(context, s3dirForRegion(s3dir, region)),
      aws: context.awsFor(region),
      region,
      regions: [region],
      logger: context.logger.withPrefix(`[${region}] `),
    },
  }));
}

/** A failed region's entry: an `error` with a failure status (a region's own result may carry an `error` of its own). */
function isRegionFailure(entry: object): entry is RegionFailure {
  return 'error' in entry && 'status' in entry && (entry.status === 'error' || entry.status === 'interrupted');
}

/** What a region's result says in a line: "published version 3", "unchanged". */
function describeOutcome(outcome: { status: string; layerVersion?: number }): string {
  return outcome.layerVersion === undefined ? outcome.status : `${outcome.status} version ${outcome.layerVersion}`;
}

/**
 * Runs `step` in every region at once (each region's work is independent:
 * its own bucket, layer, lock and manifest backups). One region's failure
 * does not stop or undo the others; the result holds one entry per region.
 * With one region the step's own result (and error) is returned as it is.
 * When a region failed, the error (exit 1, or 130/143 when interrupted) names
 * the failed regions to run again and carries the whole result.
 */
export async function inEachRegion<T extends { status: string; layerVersion?: number }, R extends MultiRegionResult<T>>(
  command: string,
  runs: readonly RegionRun[],
  step: (context: CommandContext) => Promise<T>,
  compose: (base: MultiRegionResult<T>) => R,
): Promise<T | R> {
  if (runs.length === 1) return step((runs[0] as RegionRun).context);
  const settled = await Promise.allSettled(runs.map((run) => step(run.context)));
  const regions = settled.map((outcome, index): RegionOutcome<T> => {
    const { region = '', context } = runs[index] as RegionRun;
    if (outcome.status === 'fulfilled') return { region, ...outcome.value };
    // Reported once, in the error naming every failed region (one `error:` line per run).
    const error = toOneLineError(outcome.reason, context.signal);
    return {
      region,
      status: isInterruptedError(error) ? 'interrupted' : 'error',
      error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
    };
  });
  const failed = regions.filter(isRegionFailure);
  const failedRegions = failed.map((entry) => entry.region);
  const done = regions.filter((entry) => !failed.includes(entry as RegionFailure)) as Array<T & { region: string }>;
  const status = failed.length === regions.length ? 'error' : (done.find((entry) => entry.status !== 'unchanged')?.status ?? 'unchanged');
  const result = compose({ status, regions, ...(failed.length ? { failedRegions } : {}) });
  if (!failed.length) return result;

  const doneText = done.map((entry) => `${entry.region}: ${describeOutcome(entry)}`).join(', ');
  if (failed.some((entry) => entry.status === 'interrupted')) {
    // Every region runs under the one run's signal: the process signal that stopped them is read from it.
    const signal = interruptSignalOf((runs[0] as RegionRun).context.signal) ?? 'SIGINT';
    const states = failed.map((entry) => `${entry.region}: ${entry.error.message.replace(/^interrupted( by SIG\w+)?: /, '')}`).join('; ');
    throw interruptedError(
      signal,
      `${states}${doneText ? `; ${doneText}` : ''}`,
      `run \`layer ${command}\` again`,
      { state: states, failedRegions },
      { result },
    );
  }
  const reasons = failed.map((entry) => `${entry.region}: ${entry.error.message}`).join('; ');
  throw new LayerError(
    ErrorCodes.REGIONS_FAILED,
    `${command} failed in ${failed.length} of ${regions.length} regions (${reasons})${doneText ? `; done: ${doneText}` : ''}`,
    {
      hint: `fix that and run \`layer ${command}\` again for ${failed.length === 1 ? 'that region' : 'those regions'}: --region ${failedRegions.join(' --region ')} (the other regions are done)`,
      details: { failedRegions },
      result,
    },
  );
}

/** The human lines of a result: one region's, or each region's own lines under its name (or its failure). */
export function summarizeRegions<T extends object>(result: T | MultiRegionResult<T>, describe: (entry: T, indent: string) => string[]): string[] {
  if (!('regions' in result && Array.isArray(result.regions))) return describe(result as T, '');
  return result.regions.flatMap((entry) =>
    isRegionFailure(entry) ? [`${entry.region}: ${entry.status}: ${entry.error.message}`] : [`${entry.region}:`, ...describe(entry as T, '  ')],
  );
}
