import type { LayerCommand } from '../command.js';
import { stepNotAvailable } from '../runner.js';

export const PACKAGE_KEYS = ['tool', 'ignore', 'default-ignore', 'keep-bytecode', 'compression-level', 'force'] as const;

export const packageCommand: LayerCommand = {
  name: 'package',
  describe: 'Step 2: zip artifacts/python/ into build/lambda/layer/layer.zip',
  keys: PACKAGE_KEYS,
  examples: [['layer package --ignore "*/tests/*"', 'package, leaving out test folders too']],
  run: async () => {
    throw stepNotAvailable('package');
  },
};
