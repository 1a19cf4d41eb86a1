import type { LayerCommand } from '../command.js';
import { stepNotAvailable } from '../runner.js';

export const UPLOAD_KEYS = ['s3dir', 'tool', 'force'] as const;

export const uploadCommand: LayerCommand = {
  name: 'upload',
  describe: 'Step 3: upload layer.zip to {s3dir}layer/layer.zip with the manifest fingerprint',
  keys: UPLOAD_KEYS,
  examples: [['layer upload --s3dir s3://my-bucket/app/lambda/', 'upload the packaged layer']],
  run: async () => {
    throw stepNotAvailable('upload');
  },
};
