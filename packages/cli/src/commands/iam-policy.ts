import {
  checkRegionTargets,
  detectBuildTool,
  ErrorCodes,
  LayerError,
  manifestFileName,
  parseAccountId,
  parseBuildTool,
  requireConfigValue,
  type ResolvedConfig,
  s3dirForRegion,
  S3Path,
} from '@lambda-layer/core';
import type { CommandContext, LayerCommand } from '../command.js';
import { iamPolicy, type PolicyDocument } from '../iam-policy/policy.js';
import { POLICY_FEATURES, type PolicyFeature } from '../iam-policy/policy-table.js';
import { sharingOf } from './publish.js';

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

const STEPS = ['workflow', 'upload', 'publish', 'prune'] as const;
type PolicyStep = (typeof STEPS)[number];

function usage(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.USAGE, message, { hint });
}

/**
 * The regions the layer lives in: the configured ones (a repeated --region,
 * `regions = [...]`), else the region of AWS_REGION or the profile as the SDK
 * resolves it (no request is sent).
 */
async function regionsOf(context: CommandContext): Promise<string[]> {
  if (context.regions.length) return [...context.regions];
  if (context.region) return [context.region];
  const lambda = await context.aws.lambda();
  const region = await (lambda.config.region as () => Promise<string>)().catch(() => undefined);
  if (region) return [region];
  throw new LayerError(ErrorCodes.CONFIG_MISSING_VALUE, 'missing setting region: the policy names the layer by its ARN, which holds the region', {
    hint: 'pass --region (repeat it for several regions), set AWS_REGION, or give the AWS profile a region',
  });
}

/**
 * The features a step of this configuration uses, in POLICY_FEATURES order:
 * sharing when a sharing setting is given (as publish decides, `sharingOf`),
 * retention with keep-versions (and always for `layer prune`), the manifest
 * deletions with delete-manifests, the KMS key with SSE-KMS and a key.
 */
export function policyFeaturesOf(step: PolicyStep, config: ResolvedConfig, kmsKeyId: string | undefined): PolicyFeature[] {
  const values = config.values;
  const wanted = new Set<PolicyFeature>();
  const publishes = step === 'workflow' || step === 'publish';
  if (step === 'workflow' || step === 'upload') wanted.add('upload');
  if (publishes) wanted.add('publish');
  if (publishes && sharingOf(config)) wanted.add('sharing');
  if ((publishes && values['keep-versions'] !== undefined) || step === 'prune') wanted.add('retention');
  if (wanted.has('retention') && values['delete-manifests'] === true) wanted.add('delete-manifests');
  if (kmsKeyId) wanted.add('sse-kms');
  return POLICY_FEATURES.filter((feature) => wanted.has(feature));
}

export const iamPolicyCommand: LayerCommand<IamPolicyResult> = {
  name: 'iam-policy',
  describe:
    'Print the least-privilege IAM policy this configuration needs (buckets, prefix, layer ARNs of every region, KMS key, sharing, retention)',
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
      describe: 'the permissions of one step only, for a CI job that only uploads, only publishes or only prunes (default: workflow)',
      group: 'Step options:',
    },
  },
  examples: [
    ['layer iam-policy --account-id 123456789012 > policy.json', "the policy of the whole pipeline for pyproject's settings"],
    [
      'aws iam create-policy --policy-name layer-publish --policy-document "$(layer iam-policy --step publish)"',
      'a policy for a publish-only CI role',
    ],
    [
      'layer iam-policy --region us-east-1 --region eu-west-1 --keep-versions 10 --share-with-org o-a1b2c3d4e5',
      'with retention and sharing, one layer ARN and one bucket per region',
    ],
  ],
  run: async (context) => {
    const values = context.config.values;
    const layerName = requireConfigValue(context.config, 'layer-name');
    const s3dirTemplate = requireConfigValue(context.config, 's3dir');
    const tool = values.tool !== undefined ? parseBuildTool(values.tool) : await detectBuildTool(context.projectDir);
    const step = (context.argv.step as PolicyStep | undefined) ?? 'workflow';
    const { kmsKeyId } = context.s3Objects;
    const { parseLayerArn } = await import('@lambda-layer/publish');
    const arn = parseLayerArn(layerName);
    if (arn && context.regions.length <= 1 && context.region && context.region !== arn.region) {
      throw usage(
        `--layer-name ${layerName} is a layer in region ${arn.region}, not ${context.region}`,
        `pass --region ${arn.region} or the plain layer name`,
      );
    }
    // What upload, publish and prune refuse before any call, refused here too: no policy for a run that cannot happen.
    checkRegionTargets(context.regions, { s3dir: s3dirTemplate, layerName, kmsKeyId });
    const regions = arn ? [arn.region] : await regionsOf(context);
    const rawAccount = context.argv['account-id'] as string | undefined;
    let account: string | undefined;
    try {
      account =
        rawAccount !== undefined
          ? parseAccountId(rawAccount)
          : (arn?.account ?? (process.env.AWS_ACCOUNT_ID ? parseAccountId(process.env.AWS_ACCOUNT_ID) : undefined));
    } catch (error) {
      throw usage(
        `invalid ${rawAccount !== undefined ? '--account-id' : 'AWS_ACCOUNT_ID'}: ${(error as LayerError).message}`,
        (error as LayerError).hint ?? 'use the 12-digit account id',
      );
    }
    if (arn && account && account !== arn.account)
      throw usage(`--account-id ${account} is not the account of the layer ARN ${layerName}`, `pass --account-id ${arn.account}`);

    const notes: string[] = [];
    const features = policyFeaturesOf(step, context.config, kmsKeyId);
    if (context.s3Objects.sse === 'aws:kms' && !kmsKeyId)
      notes.push('SSE-KMS with the AWS managed key aws/s3: its key policy already lets the account use it through S3, so no KMS statement is needed');
    if (!account) notes.push('the account of the layer ARNs is "*": pass --account-id (or set AWS_ACCOUNT_ID) to name it');
    const policy = iamPolicy({
      account,
      // Each region its own bucket: `{region}` in the s3dir filled as upload and publish fill it.
      targets: regions.map((region) => ({ region, s3dir: S3Path.parseDir(s3dirForRegion(s3dirTemplate, region)) })),
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
