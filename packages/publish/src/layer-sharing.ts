/**
 * Sharing a layer version: grants of `lambda:GetLayerVersion` to accounts,
 * an organization or everyone, each a statement of the version's policy
 * whose id this tool owns (`lambda-layer-account-111122223333`,
 * `lambda-layer-org-o-abcdefghij`, `lambda-layer-public`). Statements with
 * other ids are someone else's and are never touched.
 *
 * AWS calls made here (operation → IAM action → resource):
 *   GetLayerVersionPolicy        → lambda:GetLayerVersionPolicy        → arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
 *   AddLayerVersionPermission    → lambda:AddLayerVersionPermission    → arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
 *   RemoveLayerVersionPermission → lambda:RemoveLayerVersionPermission → arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
 */
import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionPolicyCommand,
  type LambdaClient,
  RemoveLayerVersionPermissionCommand,
} from '@aws-sdk/client-lambda';
import { isNotFound, type LayerGrant, type Logger, type SharingResult } from '@lambda-layer/core';
import { awsCall, withoutSdkRetries } from './aws-call.js';
import { sendOnce } from './send-once.js';

/** Who may use the published layer version. */
export interface LayerSharing {
  /** AWS account ids (12 digits). */
  accounts: readonly string[];
  /** AWS Organizations ids (`o-…`). */
  organizations: readonly string[];
  /** Every AWS account. */
  public: boolean;
}

export const STATEMENT_ID_PREFIX = 'lambda-layer-';
const GET_LAYER_VERSION = 'lambda:GetLayerVersion';

/** The grants a sharing setting asks for, in a stable order: accounts, organizations, public. */
export function grantsOf(sharing: LayerSharing): LayerGrant[] {
  return [
    ...sharing.accounts.map((account): LayerGrant => ({
      kind: 'account',
      principal: account,
      statementId: `${STATEMENT_ID_PREFIX}account-${account}`,
    })),
    ...sharing.organizations.map((org): LayerGrant => ({ kind: 'organization', principal: org, statementId: `${STATEMENT_ID_PREFIX}org-${org}` })),
    ...(sharing.public ? [{ kind: 'public', principal: '*', statementId: `${STATEMENT_ID_PREFIX}public` } satisfies LayerGrant] : []),
  ];
}

/** The grant a statement id of this tool stands for; undefined for anyone else's statement. */
export function grantOfStatement(statementId: string): LayerGrant | undefined {
  const account = /^lambda-layer-account-(\d{12})$/.exec(statementId);
  if (account) return { kind: 'account', principal: account[1] as string, statementId };
  const org = /^lambda-layer-org-(o-[a-z0-9]{10,32})$/.exec(statementId);
  if (org) return { kind: 'organization', principal: org[1] as string, statementId };
  if (statementId === `${STATEMENT_ID_PREFIX}public`) return { kind: 'public', principal: '*', statementId };
  return undefined;
}

/** A grant as a person reads it: "account 111122223333", "organization o-…", "every AWS account". */
export function describeGrant(grant: LayerGrant): string {
  if (grant.kind === 'public') return 'every AWS account';
  return `${grant.kind} ${grant.principal}`;
}

/** The statement ids of a layer version's policy (none when it has no policy). */
export async function readPolicyStatementIds(lambda: LambdaClient, layerName: string, version: number, signal?: AbortSignal): Promise<string[]> {
  let policy: string | undefined;
  try {
    policy = (await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: layerName, VersionNumber: version }), { abortSignal: signal })).Policy;
  } catch (error) {
    // A version without any grant has no policy at all.
    if (isNotFound(error)) return [];
    throw error;
  }
  const statements = (JSON.parse(policy ?? '{}') as { Statement?: Array<{ Sid?: string }> | { Sid?: string } }).Statement ?? [];
  return (Array.isArray(statements) ? statements : [statements]).map((statement) => statement.Sid ?? '').filter(Boolean);
}

/** What reconciling the version's policy with the wanted grants takes: which to add, which of ours to remove. */
export function planSharing(version: number, wanted: readonly LayerGrant[], statementIds: readonly string[]): SharingResult {
  const present = new Set(statementIds);
  const wantedIds = new Set(wanted.map((grant) => grant.statementId));
  const ours = statementIds.map(grantOfStatement).filter((grant): grant is LayerGrant => grant !== undefined);
  return {
    layerVersion: version,
    grants: [...wanted],
    added: wanted.filter((grant) => !present.has(grant.statementId)),
    removed: ours.filter((grant) => !wantedIds.has(grant.statementId)),
    otherStatements: statementIds.filter((id) => grantOfStatement(id) === undefined),
  };
}

function isConflict(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'ResourceConflictException' || e.$metadata?.httpStatusCode === 409;
}

/**
 * Adds one grant, exactly once: AddLayerVersionPermission is not idempotent
 * (Lambda answers a second one with ResourceConflictException, and an
 * emulator may even store it twice), so it goes out without SDK retries;
 * after a lost answer, or a conflict, the policy is read: the statement
 * there means the grant was made.
 */
async function addGrant(
  lambda: LambdaClient,
  layerName: string,
  version: number,
  grant: LayerGrant,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const isThere = async () => ((await readPolicyStatementIds(lambda, layerName, version, signal)).includes(grant.statementId) ? true : undefined);
  await sendOnce<true>({
    client: lambda,
    operation: 'AddLayerVersionPermission',
    doing: `grant ${describeGrant(grant)} the use of ${layerName}:${version}`,
    send: async () => {
      await lambda.send(
        withoutSdkRetries(
          new AddLayerVersionPermissionCommand({
            LayerName: layerName,
            VersionNumber: version,
            StatementId: grant.statementId,
            Action: GET_LAYER_VERSION,
            Principal: grant.kind === 'account' ? grant.principal : '*',
            ...(grant.kind === 'organization' ? { OrganizationId: grant.principal } : {}),
          }),
        ),
        { abortSignal: signal },
      );
      return true;
    },
    findEffect: isThere,
    alreadyDone: async (error) => (isConflict(error) ? isThere() : undefined),
    describeEffect: () => `the grant ${grant.statementId} is in the policy of ${layerName}:${version}: it was made`,
    describeNoEffect: `the grant ${grant.statementId} is not in the policy: sending it again`,
    logger,
    signal,
  });
}

/** Removes one of our grants; one already gone is the success it means (a retry after a lost answer meets 404). */
async function removeGrant(lambda: LambdaClient, layerName: string, version: number, grant: LayerGrant, signal?: AbortSignal): Promise<void> {
  try {
    await lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: layerName, VersionNumber: version, StatementId: grant.statementId }), {
      abortSignal: signal,
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export interface ShareOptions {
  lambda: LambdaClient;
  layerName: string;
  version: number;
  sharing: LayerSharing;
  /** Only read the policy and say what would change. */
  dryRun?: boolean;
  /** The policy's statement ids when they are known without asking (a dry run's version not yet published has none). */
  statementIds?: readonly string[];
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/**
 * Makes the version's grants of this tool exactly the configured ones: adds
 * the missing, removes ours that are no longer configured, leaves everyone
 * else's statements alone. Safe to run again at any point (an unchanged
 * publish does, to reconcile the latest version).
 */
export async function shareLayerVersion(options: ShareOptions): Promise<SharingResult> {
  const { lambda, layerName, version, logger, signal } = options;
  const target = `${layerName}:${version}`;
  const statementIds =
    options.statementIds ??
    (await awsCall(`read the policy of layer version ${target}`, () => readPolicyStatementIds(lambda, layerName, version, signal), {
      service: 'Lambda',
    }));
  const plan = planSharing(version, grantsOf(options.sharing), statementIds);
  const would = options.dryRun ? 'would ' : '';
  for (const grant of plan.added) {
    if (!options.dryRun) {
      await awsCall(
        `grant ${describeGrant(grant)} the use of layer version ${target}`,
        () => addGrant(lambda, layerName, version, grant, logger, signal),
        { service: 'Lambda' },
      );
    }
    logger.detail(`${would}grant ${describeGrant(grant)} lambda:GetLayerVersion (statement ${grant.statementId})`);
  }
  for (const grant of plan.removed) {
    if (!options.dryRun) {
      await awsCall(
        `remove the grant ${grant.statementId} from layer version ${target}`,
        () => removeGrant(lambda, layerName, version, grant, signal),
        { service: 'Lambda' },
      );
    }
    logger.detail(`${would}remove the grant to ${describeGrant(grant)}: no longer configured (statement ${grant.statementId})`);
  }
  if (!plan.added.length && !plan.removed.length) {
    logger.detail(
      plan.grants.length ? `shared as configured: ${plan.grants.map(describeGrant).join(', ')}` : 'not shared by this tool, as configured',
    );
  }
  if (plan.otherStatements.length)
    logger.detail(`left alone: ${plan.otherStatements.length} grant(s) made by others (${plan.otherStatements.join(', ')})`);
  return plan;
}
