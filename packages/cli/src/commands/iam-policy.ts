import {
  detectBuildTool,
  ErrorCodes,
  LayerError,
  manifestFileName,
  parseAccountId,
  parseBuildTool,
  requireConfigValue,
  S3Path,
} from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from '../command.js';
import { iamPolicy, type PolicyDocument } from '../iam-policy/policy.js';
import type { PolicyFeature } from '../iam-policy/policy-table.js';

/** What `layer iam-policy --json` prints; without --json only `policy` is printed, ready for `aws iam create-policy`. */
export interface IamPolicyResult {
  status: 'ok';
  policy: PolicyDocument;
  /** The account in the ARNs ("*" when it was not known). */
  account: string;
  regions: string[];
  features: PolicyFeature[];
  /** What the reader of the policy should know (also printed to stderr). */
  notes: string[];
}

export const IAM_POLICY_KEYS = ['layer-name', 's3dir', 'tool'] as const;

const STEPS = ['workflow', 'upload', 'publish'] as const;
type PolicyStep = (typeof STEPS)[number];

function usage(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.USAGE, message, { hint });
}

/** The region(s) the layer lives in: --region / AWS_REGION, else the profile's region as the SDK resolves it (no request is sent). */
async function regionsOf(context: CommandContext): Promise<string[]> {
  if (context.region) return [context.region];
  const lambda = await context.aws.lambda();
  const region = await (lambda.config.region as () => Promise<string>)().catch(() => undefined);
  if (region) return [region];
  throw new LayerError(ErrorCodes.CONFIG_MISSING_VALUE, 'missing setting region: the policy names the layer by its ARN, which holds the region', {
    hint: 'pass --region, set AWS_REGION, or give the AWS profile a region',
  });
}

export const iamPolicyCommand: LayerCommand<IamPolicyResult> = {
  name: 'iam-policy',
  describe: 'Print the least-privilege IAM policy this configuration needs (bucket, prefix, layer ARN, KMS key)',
  keys: IAM_POLICY_KEYS,
  flags: {
    'account-id': {
      type: 'string',
      requiresArg: true,
      describe: 'the account of the layer (and KMS key) in the ARNs (default: the layer ARN\'s, else AWS_ACCOUNT_ID, else "*")',
      group: 'Step options:',
    },
    step: {
      type: 'string',
      requiresArg: true,
      choices: STEPS,
      describe: 'the permissions of one step only, for a CI job that only uploads or only publishes (default: workflow)',
      group: 'Step options:',
    },
  },
  examples: [
    ['layer iam-policy --account-id 123456789012 > policy.json', 'the policy of the whole pipeline for pyproject\'s settings'],
    ['aws iam create-policy --policy-name layer-publish --policy-document "$(layer iam-policy --step publish)"', 'a policy for a publish-only CI role'],
  ],
  run: async (context) => {
    const values = context.config.values;
    const layerName = requireConfigValue(context.config, 'layer-name');
    const s3dir = S3Path.parseDir(requireConfigValue(context.config, 's3dir'));
    const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(context.projectDir);
    const step = (context.argv.step as PolicyStep | undefined) ?? 'workflow';
    const { parseLayerArn } = await import('@lambda-layer/publish');
    const arn = parseLayerArn(layerName);
    const regions = arn ? [arn.region] : await regionsOf(context);
    if (arn && context.region && context.region !== arn.region) {
      throw usage(`--layer-name ${layerName} is a layer in region ${arn.region}, not ${context.region}`, `pass --region ${arn.region} or the plain layer name`);
    }
    const rawAccount = context.argv['account-id'] as string | undefined;
    let account: string | undefined;
    try {
      account = rawAccount !== undefined ? parseAccountId(rawAccount) : (arn?.account ?? (process.env.AWS_ACCOUNT_ID ? parseAccountId(process.env.AWS_ACCOUNT_ID) : undefined));
    } catch (error) {
      throw usage(`invalid ${rawAccount !== undefined ? '--account-id' : 'AWS_ACCOUNT_ID'}: ${(error as LayerError).message}`, (error as LayerError).hint ?? 'use the 12-digit account id');
    }
    if (arn && account && account !== arn.account) throw usage(`--account-id ${account} is not the account of the layer ARN ${layerName}`, `pass --account-id ${arn.account}`);

    const notes: string[] = [];
    const features: PolicyFeature[] = step === 'workflow' ? ['upload', 'publish'] : [step];
    const { sse, kmsKeyId } = context.s3Objects;
    if (sse === 'aws:kms' && kmsKeyId) features.push('sse-kms');
    if (sse === 'aws:kms' && !kmsKeyId) notes.push('SSE-KMS with the AWS managed key aws/s3: its key policy already lets the account use it through S3, so no KMS statement is needed');
    if (!account) notes.push('the account of the layer ARNs is "*": pass --account-id (or set AWS_ACCOUNT_ID) to name it');
    const policy = iamPolicy({
      account,
      targets: regions.map((region) => ({ region, s3dir })),
      layerName: arn?.name ?? layerName,
      manifestFile: manifestFileName(tool),
      features,
      kmsKeyId,
    });
    for (const note of notes) context.logger.warn(note);
    return { status: 'ok', policy, account: account ?? '*', regions, features, notes };
  },
  summary: (result) => [JSON.stringify(result.policy, null, 2)],
};
