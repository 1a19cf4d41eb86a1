import type { LayerCommand } from '../command.js';
import { stepNotAvailable } from '../runner.js';

export const BUILD_KEYS = ['tool', 'python-version', 'architecture', 'container', 'index-url', 'index-name', 'yes', 'force'] as const;

export const buildCommand: LayerCommand = {
  name: 'build',
  describe: 'Step 1: install the locked dependencies into build/lambda/layer/artifacts/python/',
  keys: BUILD_KEYS,
  examples: [['layer build --tool uv --python-version 3.12 --architecture arm64', 'build for Python 3.12 on Graviton']],
  run: async () => {
    throw stepNotAvailable('build');
  },
};
