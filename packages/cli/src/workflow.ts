import {
  type BuildResult,
  defineSteps,
  isInterruptedError,
  LayerError,
  type PackageResult,
  requireConfigValue,
  StepLog,
  throwIfInterrupted,
  type UploadResult,
  type WorkflowRegionResult,
  type WorkflowResult,
} from '@lambda-layer/core';
import type { CommandContext } from './command.js';
import { describePublication, type Publication } from './commands/publish.js';
import { inEachRegion, type RegionRun, regionRuns } from './regions.js';

/** The steps of the workflow, in order: build and package once, upload and publish in each region. */
export interface WorkflowSteps {
  build(context: CommandContext): Promise<BuildResult>;
  package(context: CommandContext): Promise<PackageResult>;
  upload(context: CommandContext): Promise<UploadResult>;
  publish(context: CommandContext): Promise<Publication>;
}

type StepName = keyof WorkflowSteps;

/**
 * The workflow's plan, numbered like every step's but labelled `Workflow
 * step` (each step inside logs its own `Step N - …` headers): a read-only
 * preflight, then build and package once, then upload and publish (in each
 * region, all at once, with several).
 */
export const WORKFLOW_STEPS = defineSteps({
  preflight: { title: 'Preflight check', steps: { preflightWorkflow: 'Check the settings, the regions and the AWS clients' } },
  buildOnce: { title: 'Build and package', steps: { build: 'layer build', package: 'layer package' } },
  eachRegion: { title: 'Upload and publish', steps: { upload: 'layer upload', publish: 'layer publish' } },
});

/** The workflow's headers in one context's log (a region's logger has its own, prefixed). */
export function workflowStepLog(context: CommandContext): StepLog<typeof WORKFLOW_STEPS.spec> {
  return new StepLog(WORKFLOW_STEPS, context.logger, 'Workflow step');
}
type Durations = NonNullable<WorkflowResult['durationsMs']>;

/**
 * Runs one step under its `Workflow step N.M - layer <step>` header, logs
 * its outcome and wall time (`== layer <step>: …`), and
 * names the step in its error ("upload step failed: …"); interrupted, it
 * says which steps had finished.
 */
async function runStep<T extends { status?: string }>(
  name: StepName,
  context: CommandContext,
  run: () => Promise<T>,
  progress: { finished: string[]; durationsMs: Durations; log: StepLog<typeof WORKFLOW_STEPS.spec> },
): Promise<T> {
  throwIfInterrupted(
    context.signal,
    `the workflow stopped before the ${name} step${progress.finished.length ? ` (${progress.finished.join(', ')} finished)` : ''}`,
    'run `layer workflow` again',
  );
  const started = Date.now();
  progress.log.start(name);
  try {
    const result = await run();
    const elapsedMs = Date.now() - started;
    progress.durationsMs[name] = elapsedMs;
    context.logger.info(`== layer ${name}: ${result.status ?? 'done'} (${(elapsedMs / 1000).toFixed(2)}s)`);
    progress.finished.push(name);
    return result;
  } catch (error) {
    if (isInterruptedError(error)) {
      const done = progress.finished.length ? `; ${progress.finished.join(', ')} finished` : '';
      throw new LayerError(error.code, `${error.message} (the workflow stopped in the ${name} step${done})`, {
        hint: 'run `layer workflow` again',
        cause: error,
        details: { ...error.details, step: name },
      });
    }
    if (error instanceof LayerError) {
      throw new LayerError(error.code, `${name} step failed: ${error.message}`, {
        ...(error.hint ? { hint: error.hint } : {}),
        cause: error,
        details: { ...error.details, step: name },
        ...(error.result !== undefined ? { result: error.result } : {}),
      });
    }
    throw error;
  }
}

/** What the workflow's preflight hands its steps: one run per region, and whether this is a dry run. */
export interface WorkflowPreflight {
  runs: RegionRun[];
  dryRun: boolean;
}

/**
 * The workflow's preflight, read-only: what can be known before the first
 * step (the settings upload and publish need, the regions, the AWS profile
 * and endpoint), so a typo does not cost a build.
 */
export async function preflightWorkflow(context: CommandContext, steps = workflowStepLog(context)): Promise<WorkflowPreflight> {
  steps.start('preflightWorkflow');
  requireConfigValue(context.config, 's3dir');
  requireConfigValue(context.config, 'layer-name');
  const runs = await regionRuns(context);
  await Promise.all(runs.map(({ context: regional }) => Promise.all([regional.aws.s3(), regional.aws.lambda()])));
  return { runs, dryRun: context.config.values['dry-run'] === true };
}

/**
 * Runs build, package, upload and publish in order with one context, so each
 * step reads its settings exactly as its own command does (each logs its own
 * `Step N - …` headers inside the workflow's `Workflow step N.M` ones).
 * Every step decides for itself whether it has anything to do (build and
 * package from their stamps, upload from the object's fingerprints, publish
 * from the stored manifest), which is what makes a re-run with nothing
 * changed cheap. Stops at the first failing step, with that step's error.
 *
 * With several regions, build and package run once; then each region uploads
 * and publishes on its own, all at once, and one region's failure leaves the
 * others done (the error names the regions to run again).
 *
 * `--dry-run` runs no step that writes anywhere: nothing is built, packaged
 * or uploaded, and publish only says (per region) whether the manifest would
 * make a new version, and the package diff.
 *
 * The preflight (preflightWorkflow) runs first. Interrupted, it stops where
 * it is and says which steps finished.
 */
export async function runWorkflow(context: CommandContext, steps: WorkflowSteps): Promise<WorkflowResult> {
  const log = workflowStepLog(context);
  const { runs, dryRun } = await preflightWorkflow(context, log);
  const durationsMs: Durations = {};
  const result: WorkflowResult = { status: 'unchanged', ...(dryRun ? { dryRun: true as const } : {}), durationsMs };
  const started = Date.now();
  const progress = { finished: [] as string[], durationsMs, log };

  if (dryRun) {
    context.logger.info('== --dry-run: nothing is built, packaged or uploaded; publish says what it would do');
  } else {
    result.build = await runStep('build', context, () => steps.build(context), progress);
    result.package = await runStep('package', context, () => steps.package(context), progress);
  }

  if (runs.length === 1) {
    const { context: regional } = runs[0] as RegionRun;
    if (!dryRun) result.upload = await runStep('upload', regional, () => steps.upload(regional), progress);
    result.publish = await runStep('publish', regional, () => steps.publish(regional), progress);
    result.status = result.publish.status;
  } else {
    const perRegion = async (regional: CommandContext): Promise<Omit<WorkflowRegionResult, 'region'>> => {
      const own = { finished: [...progress.finished], durationsMs: {} as Durations, log: workflowStepLog(regional) };
      const upload = dryRun ? undefined : await runStep('upload', regional, () => steps.upload(regional), own);
      const publish = await runStep('publish', regional, () => steps.publish(regional), own);
      return { status: publish.status, ...(upload ? { upload } : {}), publish };
    };
    const regional = await inEachRegion('workflow', runs, perRegion, (base) => ({ ...result, ...base }) as WorkflowResult & typeof base);
    Object.assign(result, regional);
  }
  context.logger.info(`workflow ${result.status} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  return result;
}

/** Human summary: one line per step, then the layer version (per region with several). */
export function summarizeWorkflow(result: WorkflowResult): string[] {
  const lines = (['build', 'package'] as const).map(
    (name) => `${name.padEnd(8)} ${result[name]?.status ?? (result.dryRun ? 'skipped (--dry-run)' : '-')}`,
  );
  if (!result.regions) {
    lines.push(`${'upload'.padEnd(8)} ${result.upload?.status ?? (result.dryRun ? 'skipped (--dry-run)' : '-')}`);
    lines.push(`${'publish'.padEnd(8)} ${result.publish?.status ?? '-'}`);
    if (result.publish) lines.push(...describePublication(result.publish));
    return lines;
  }
  for (const entry of result.regions) {
    if (entry.error) {
      lines.push(`${entry.region}: ${entry.status}: ${entry.error.message}`);
      continue;
    }
    lines.push(
      `${entry.region}: upload ${entry.upload?.status ?? (result.dryRun ? 'skipped (--dry-run)' : '-')}, publish ${entry.publish?.status ?? '-'}`,
    );
    if (entry.publish) lines.push(...describePublication(entry.publish, '  '));
  }
  return lines;
}
