import {
  ErrorCodes,
  LayerError,
  requireConfigValue,
  throwIfInterrupted,
  type BuildResult,
  type LayerDeployment,
  type PackageResult,
  type UploadResult,
  type WorkflowResult,
} from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from './command.js';

export interface WorkflowSteps {
  build: LayerCommand<BuildResult>;
  package: LayerCommand<PackageResult>;
  upload: LayerCommand<UploadResult>;
  publish: LayerCommand<LayerDeployment>;
}

const ORDER = ['build', 'package', 'upload', 'publish'] as const;

/**
 * Runs build, package, upload and publish in order with one context, so each
 * step reads its settings exactly as its own command does. Every step decides
 * for itself whether it has anything to do (build and package from their stamps,
 * upload from the object's fingerprints, publish from the stored manifest), which
 * is what makes a re-run with nothing changed cheap. Stops at the first failing
 * step, with that step's error.
 *
 * What can be known before the first step is checked first (the settings
 * upload and publish need, the AWS profile and endpoint), so a typo does not
 * cost a build. Interrupted, it stops where it is and says which steps finished.
 */
export async function runWorkflow(context: CommandContext, steps: WorkflowSteps): Promise<WorkflowResult> {
  requireConfigValue(context.config, 's3dir');
  requireConfigValue(context.config, 'layer-name');
  await Promise.all([context.aws.s3(), context.aws.lambda()]);
  const durationsMs: NonNullable<WorkflowResult['durationsMs']> = {};
  const result: WorkflowResult = { status: 'unchanged', durationsMs };
  const started = Date.now();
  const finished: string[] = [];
  for (const name of ORDER) {
    throwIfInterrupted(context.signal, `the workflow stopped before the ${name} step${finished.length ? ` (${finished.join(', ')} finished)` : ''}`, 'run `layer workflow` again');
    const stepStarted = Date.now();
    context.logger.info(`== layer ${name}`);
    try {
      const stepResult = await (steps[name] as LayerCommand).run(context);
      const elapsedMs = Date.now() - stepStarted;
      Object.assign(result, { [name]: stepResult });
      durationsMs[name] = elapsedMs;
      const status = (stepResult as { status?: string }).status ?? 'done';
      context.logger.info(`== layer ${name}: ${status} (${(elapsedMs / 1000).toFixed(2)}s)`);
      finished.push(name);
    } catch (error) {
      if (error instanceof LayerError && error.code === ErrorCodes.INTERRUPTED) {
        const done = finished.length ? `; ${finished.join(', ')} finished` : '';
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
        });
      }
      throw error;
    }
  }
  result.status = result.publish?.status === 'published' ? 'published' : 'unchanged';
  context.logger.info(`workflow ${result.status} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  return result;
}

/** Human summary: one line per step, then the layer version ARN. */
export function summarizeWorkflow(result: WorkflowResult): string[] {
  const lines = ORDER.map((name) => `${name.padEnd(8)} ${(result[name] as { status?: string } | undefined)?.status ?? '-'}`);
  if (result.publish) lines.push(`layer version: ${result.publish.layerVersionArn}`);
  return lines;
}
