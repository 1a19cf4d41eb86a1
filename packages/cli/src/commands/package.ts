import { DEFAULT_IGNORED_PACKAGES, formatBytes, type PackageResult, parseBuildTool } from '@lambda-layer/core';
import type { LayerCommand } from '../command.js';

export const packageCommand: LayerCommand<PackageResult> = {
  name: 'package',
  describe: 'Step 2: zip artifacts/python/ into build/lambda/layer/layer.zip',
  examples: [
    ['layer package --ignore "*/tests/*"', 'package, leaving out test folders too'],
    ['layer package --no-default-ignore --keep-bytecode', 'keep boto3, pip, … and __pycache__ in the zip'],
    [
      'layer package',
      `leaves out by default: ${DEFAULT_IGNORED_PACKAGES.join(', ')} (not one the project itself pins, e.g. urllib3 in requirements.txt)`,
    ],
  ],
  run: async (context) => {
    const values = context.config.values;
    // --tool is optional here: it only decides whether a venv's site-packages may be moved.
    const tool = values.tool === undefined ? undefined : parseBuildTool(values.tool);
    // Imported here so `layer --help` stays fast.
    const { packageLayer } = await import('@lambda-layer/package');
    return packageLayer({
      projectDir: context.projectDir,
      ...(tool ? { tool } : {}),
      ignore: values.ignore ?? [],
      defaultIgnore: values['default-ignore'] ?? true,
      keepBytecode: values['keep-bytecode'] ?? false,
      ...(values['compression-level'] === undefined ? {} : { compressionLevel: values['compression-level'] }),
      force: values.force ?? false,
      logger: context.logger,
      signal: context.signal,
    });
  },
  summary: (result) => {
    const saved = result.excluded.reduce((sum, entry) => sum + entry.bytes, 0);
    return [
      result.status === 'unchanged' ? `layer.zip is up to date: ${result.zipPath}` : `packaged ${result.zipPath}`,
      `${result.files} files, ${formatBytes(result.unzippedBytes)} unzipped -> ${formatBytes(result.zippedBytes)} zipped`,
      ...(result.excluded.length ? [`excluded ${result.excluded.map((entry) => entry.name).join(', ')} (${formatBytes(saved)} saved)`] : []),
      `sha256 ${result.sha256.hex} (base64 ${result.sha256.base64})`,
    ];
  },
};
