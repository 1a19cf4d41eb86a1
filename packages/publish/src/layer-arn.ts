import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ErrorCodes, LayerError } from '@lambda-layer/core';

/** The parts of a layer ARN `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME` (the LayerName form Lambda's API accepts). */
export interface LayerArn {
  partition: string;
  region: string;
  account: string;
  name: string;
}

const ARN = /^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9_-]+)$/;

export function parseLayerArn(value: string): LayerArn | undefined {
  const match = ARN.exec(value);
  if (!match) return undefined;
  const [, partition = '', region = '', account = '', name = ''] = match;
  return { partition, region, account, name };
}

function foreignArn(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_OPTION, message, { hint, details: { option: 'layer-name' } });
}

/**
 * A layer ARN names a region and an account; publishing through a client of
 * another region or account cannot reach that layer (and an emulator would
 * create a layer literally named after the ARN). Checked before any AWS call:
 * the region from the client's configuration, the account from its
 * credentials when they name it (AWS_ACCOUNT_ID, SSO, assumed roles). When
 * they do not, `checkLayerArnAccount` checks it against the account ListLayers
 * answers with, still before anything is written.
 */
export async function checkLayerArnTarget(layerName: string, lambda: LambdaClient): Promise<void> {
  const arn = parseLayerArn(layerName);
  if (!arn) return;
  const config = lambda.config as { region?: () => Promise<string>; credentials?: () => Promise<{ accountId?: string }> };
  const region = await config.region?.().catch(() => undefined);
  if (region && region !== arn.region) {
    throw foreignArn(
      `--layer-name ${layerName} is a layer in region ${arn.region}, but this run publishes in ${region}`,
      `pass --region ${arn.region}, or the plain layer name ${arn.name} to publish in ${region}`,
    );
  }
  // Resolving credentials is what the first request does anyway; a failure here is left to that request to report.
  const identity = await config.credentials?.().catch(() => undefined);
  if (identity?.accountId) checkLayerArnAccount(layerName, identity.accountId);
}

/** Refuses a layer ARN of another account than `account`. */
export function checkLayerArnAccount(layerName: string, account: string): void {
  const arn = parseLayerArn(layerName);
  if (!arn || arn.account === account) return;
  throw foreignArn(
    `--layer-name ${layerName} is a layer of account ${arn.account}, but the AWS credentials are for account ${account}`,
    `use credentials of account ${arn.account} (--profile), or the plain layer name ${arn.name} to publish in account ${account}`,
  );
}
