import { detectBuildTool, type MultiRegionResult, parseBuildTool, requireConfigValue, type UploadResult } from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from '../command.js';
import { inEachRegion, regionRuns, summarizeRegions } from '../regions.js';

/** One region's upload, or one entry per region. */
export type UploadOutcome = UploadResult | MultiRegionResult<UploadResult>;

/** Uploads layer.zip to one region's bucket: `context` holds that region's client and s3dir. */
export async function uploadInRegion(context: CommandContext): Promise<UploadResult> {
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
    dryRun: context.config.values['dry-run'] === true,
    logger: context.logger,
    region: context.region,
    signal: context.signal,
  });
}

function describeUpload(result: UploadResult, indent = ''): string[] {
  return [
    `${indent}${result.status === 'unchanged' ? `layer.zip unchanged at ${result.s3uri} (nothing sent)` : result.status === 'would-upload' ? `would upload layer.zip to ${result.s3uri} (--dry-run: nothing sent)` : `uploaded layer.zip to ${result.s3uri}`}`,
    ...(result.abortedMultipartUploads
      ? [`${indent}aborted ${result.abortedMultipartUploads} incomplete multipart upload(s) left by an earlier run`]
      : []),
    `${indent}console: ${result.consoleUrl}`,
  ];
}

export const uploadCommand: LayerCommand<UploadOutcome> = {
  name: 'upload',
  describe: 'Step 3: upload layer.zip to {s3dir}layer/layer.zip with the manifest fingerprint',
  examples: [
    ['layer upload --s3dir s3://my-bucket/app/lambda/', 'upload the packaged layer'],
    [
      'layer upload --region us-east-1 --region eu-west-1 --s3dir s3://my-layers-{region}/app/lambda/',
      'upload to one bucket per region, in parallel',
    ],
    ['layer upload --dry-run', 'say whether S3 already holds this zip, sending nothing'],
    ['layer upload --force', 'upload even when S3 already has this zip and manifest'],
  ],
  // Each region's bucket in parallel; each skips the upload when its bucket already holds this zip.
  run: async (context) => inEachRegion('upload', await regionRuns(context), uploadInRegion, (base) => base),
  summary: (result) => summarizeRegions(result, describeUpload),
};
