import type { CommandContext, LayerCommand } from '../command.js';
import { runWorkflow, summarizeWorkflow } from '../workflow.js';
import type { WorkflowResult } from '@lambda-layer/core';
import { BUILD_KEYS, buildCommand } from './build.js';
import { PACKAGE_KEYS, packageCommand } from './package.js';
import { PUBLISH_KEYS, publishCommand } from './publish.js';
import { UPLOAD_KEYS, uploadCommand } from './upload.js';

export const WORKFLOW_KEYS = [...new Set([...BUILD_KEYS, ...PACKAGE_KEYS, ...UPLOAD_KEYS, ...PUBLISH_KEYS])];

export const workflowCommand: LayerCommand<WorkflowResult> = {
  name: 'workflow',
  describe: 'Run build, package, upload and publish in order; each step skips work when nothing changed',
  keys: WORKFLOW_KEYS,
  examples: [
    ['layer workflow --tool uv --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'the whole pipeline'],
    ['layer workflow --force', 'redo build, package and upload even when nothing changed'],
  ],
  run: (context) =>
    runWorkflow(context, {
      build: buildCommand as never,
      package: packageCommand as never,
      upload: uploadCommand as never,
      // `workflow --force` redoes build, package and upload; a new layer version for an
      // unchanged lock is only ever published by `layer publish --force`.
      publish: { ...publishCommand, run: (ctx: CommandContext) => publishCommand.run({ ...ctx, config: { ...ctx.config, sources: { ...ctx.config.sources, force: undefined } } }) } as never,
    }),
  summary: summarizeWorkflow,
};
