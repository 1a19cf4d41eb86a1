import type { LayerCommand } from '../command.js';
import { buildCommand } from './build.js';
import { iamPolicyCommand } from './iam-policy.js';
import { packageCommand } from './package.js';
import { pruneCommand } from './prune.js';
import { publishCommand } from './publish.js';
import { uploadCommand } from './upload.js';
import { workflowCommand } from './workflow.js';

/** The commands in pipeline order, then the lifecycle ones, then the helpers. */
export const commands: readonly LayerCommand[] = [
  buildCommand,
  packageCommand,
  uploadCommand,
  publishCommand,
  workflowCommand,
  pruneCommand,
  iamPolicyCommand,
];
