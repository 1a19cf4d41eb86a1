import type { LayerCommand } from '../command.js';
import { stepNotAvailable } from '../runner.js';
import { BUILD_KEYS } from './build.js';
import { PACKAGE_KEYS } from './package.js';
import { PUBLISH_KEYS } from './publish.js';
import { UPLOAD_KEYS } from './upload.js';

export const WORKFLOW_KEYS = [...new Set([...BUILD_KEYS, ...PACKAGE_KEYS, ...UPLOAD_KEYS, ...PUBLISH_KEYS])];

export const workflowCommand: LayerCommand = {
  name: 'workflow',
  describe: 'Run build, package, upload and publish in order; each step skips work when nothing changed',
  keys: WORKFLOW_KEYS,
  examples: [['layer workflow --tool uv --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'the whole pipeline']],
  run: async () => {
    throw stepNotAvailable('workflow');
  },
};
