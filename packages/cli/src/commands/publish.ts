import type { LayerCommand } from '../command.js';
import { stepNotAvailable } from '../runner.js';

export const PUBLISH_KEYS = [
  'layer-name',
  's3dir',
  'tool',
  'description',
  'compatible-runtime',
  'compatible-architecture',
  'license-info',
] as const;

export const publishCommand: LayerCommand = {
  name: 'publish',
  describe: 'Step 4: publish a new layer version from the uploaded zip, only when the manifest changed',
  keys: PUBLISH_KEYS,
  examples: [['layer publish --layer-name my-deps --s3dir s3://my-bucket/app/lambda/', 'publish if uv.lock changed']],
  run: async () => {
    throw stepNotAvailable('publish');
  },
};
