import { detectBuildTool, parseBuildTool, requireConfigValue, type UploadResult } from '@lambda-layer/core';
import type { LayerCommand } from '../command.js';

export const UPLOAD_KEYS = ['s3dir', 'tool', 'force'] as const;

export const uploadCommand: LayerCommand<UploadResult> = {
  name: 'upload',
  describe: 'Step 3: upload layer.zip to {s3dir}layer/layer.zip with the manifest fingerprint',
  keys: UPLOAD_KEYS,
  examples: [
    ['layer upload --s3dir s3://my-bucket/app/lambda/', 'upload the packaged layer'],
    ['layer upload --force', 'upload even when S3 already has this zip and manifest'],
  ],
  run: async (context) => {
    const s3dir = requireConfigValue(context.config, 's3dir');
    // --tool may be any string from flags, env or pyproject: checked here, in one line.
    const tool = parseBuildTool(context.config.values.tool ?? (await detectBuildTool(context.projectDir)));
    // Imported here so `layer --help` does not load the AWS SDK.
    const { uploadLayerZip } = await import('@lambda-layer/upload');
    const s3Client = await context.aws.s3();
    // Ctrl-C / SIGTERM abort context.signal: the upload stops, its multipart upload is aborted, S3 keeps the previous zip.
    return uploadLayerZip({
      projectDir: context.projectDir,
      tool,
      s3dir,
      s3Client,
      force: context.config.values.force ?? false,
      logger: context.logger,
      region: context.region,
      signal: context.signal,
    });
  },
  summary: (result) => [
    result.status === 'unchanged' ? `layer.zip unchanged at ${result.s3uri} (nothing sent)` : `uploaded layer.zip to ${result.s3uri}`,
    ...(result.abortedMultipartUploads ? [`aborted ${result.abortedMultipartUploads} incomplete multipart upload(s) left by an earlier run`] : []),
    `console: ${result.consoleUrl}`,
  ],
};
