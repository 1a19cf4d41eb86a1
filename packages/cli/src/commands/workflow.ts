import type { WorkflowResult } from '@lambda-layer/core';
import type { LayerCommand } from '../command.js';
import { runWorkflow, summarizeWorkflow } from '../workflow.js';
import { buildCommand } from './build.js';
import { packageCommand } from './package.js';
import { publishInRegion } from './publish.js';
import { uploadInRegion } from './upload.js';

export const workflowCommand: LayerCommand<WorkflowResult> = {
  name: 'workflow',
  describe: 'Run build, package, upload and publish in order; each step skips work when nothing changed',
  examples: [
    ['layer workflow --tool uv --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'the whole pipeline'],
    ['layer workflow --dry-run', 'build, package and upload nothing; say whether publish would make a new version, and the package diff'],
    [
      'layer workflow --region us-east-1 --region eu-west-1 --s3dir s3://my-layers-{region}/app/lambda/',
      'build once, upload and publish in two regions',
    ],
    ['layer workflow --share-with-org o-a1b2c3d4e5 --keep-versions 10', 'share with an organization, keep the newest 10 versions'],
    ['layer workflow --force', 'redo build, package and upload even when nothing changed'],
  ],
  run: (context) =>
    runWorkflow(context, {
      build: (ctx) => buildCommand.run(ctx),
      package: (ctx) => packageCommand.run(ctx),
      upload: uploadInRegion,
      // `workflow --force` redoes build, package and upload; a new layer version for an
      // unchanged lock is only ever published by `layer publish --force`.
      publish: (ctx) => publishInRegion(ctx, { inWorkflow: true }),
    }),
  summary: summarizeWorkflow,
};
