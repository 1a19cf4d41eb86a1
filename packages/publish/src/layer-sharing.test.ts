/**
 * Sharing against moto, through the fault proxy: grants for accounts, an
 * organization and the public; reconciled on unchanged runs; someone else's
 * statement left alone; lost answers to the grant calls settled without a
 * second statement. Each case asserts the version's policy as Lambda holds it.
 */
import { AddLayerVersionPermissionCommand, GetLayerVersionPolicyCommand } from '@aws-sdk/client-lambda';
import { createMemoryLogger, ErrorCodes } from '@lambda-layer/core';
import { testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { grantOfStatement, grantsOf, planSharing } from './layer-sharing.js';
import type { PublishLayerVersionOptions } from './options.js';
import { failure, layerKeys, type PublishFixture, publishOptionsOf, usePublishFixtures, versionsOf } from './publish.fixture.js';
import { publishLayerVersion } from './publish-layer-version.js';

const proxy = useFaultProxy();
const LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';
const { ready } = usePublishFixtures();

const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const ORG = 'o-abcdefghij';

function viaProxy(f: PublishFixture, extra: Partial<PublishLayerVersionOptions> = {}): PublishLayerVersionOptions {
  const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 1_500 };
  return publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), ...extra });
}

/** The version's policy statements as Lambda holds them: Sid → principal (and organization). */
async function policyOf(
  f: PublishFixture,
  version: number,
): Promise<Array<{ Sid: string; Principal: unknown; OrganizationId?: string; Action: string }>> {
  try {
    const { Policy } = await f.lambda.send(new GetLayerVersionPolicyCommand({ LayerName: f.layerName, VersionNumber: version }));
    return (JSON.parse(Policy ?? '{}') as { Statement: Array<{ Sid: string; Principal: unknown; OrganizationId?: string; Action: string }> })
      .Statement;
  } catch {
    return [];
  }
}

describe('grants of this tool', () => {
  it('names its statements so it can tell them from others', () => {
    const grants = grantsOf({ accounts: [ACCOUNT_A], organizations: [ORG], public: true });
    expect(grants.map((g) => g.statementId)).toEqual([`lambda-layer-account-${ACCOUNT_A}`, `lambda-layer-org-${ORG}`, 'lambda-layer-public']);
    for (const grant of grants) expect(grantOfStatement(grant.statementId)).toEqual(grant);
    expect(grantOfStatement('lambda-layer-account-12')).toBeUndefined();
    expect(grantOfStatement('someone-elses')).toBeUndefined();
    expect(planSharing(3, grants.slice(0, 1), ['lambda-layer-public', 'someone-elses', `lambda-layer-account-${ACCOUNT_A}`])).toEqual({
      layerVersion: 3,
      grants: grants.slice(0, 1),
      added: [],
      removed: [grants[2]],
      otherStatements: ['someone-elses'],
    });
  });
});

describe('sharing against moto', () => {
  it('grants accounts, an organization and the public on the published version', async () => {
    const f = await ready(LOCK);
    const result = await publishLayerVersion(
      publishOptionsOf(f, { sharing: { accounts: [ACCOUNT_A, ACCOUNT_B], organizations: [ORG], public: true } }),
    );
    expect(result.status).toBe('published');
    expect(result.sharing?.added.map((g) => g.statementId)).toEqual([
      `lambda-layer-account-${ACCOUNT_A}`,
      `lambda-layer-account-${ACCOUNT_B}`,
      `lambda-layer-org-${ORG}`,
      'lambda-layer-public',
    ]);
    const policy = await policyOf(f, 1);
    expect(policy.map((s) => [s.Sid, s.Principal, s.OrganizationId ?? null, s.Action])).toEqual([
      [`lambda-layer-account-${ACCOUNT_A}`, ACCOUNT_A, null, 'lambda:GetLayerVersion'],
      [`lambda-layer-account-${ACCOUNT_B}`, ACCOUNT_B, null, 'lambda:GetLayerVersion'],
      [`lambda-layer-org-${ORG}`, '*', ORG, 'lambda:GetLayerVersion'],
      ['lambda-layer-public', '*', null, 'lambda:GetLayerVersion'],
    ]);
  });

  it('reconciles the latest version on an unchanged run: adds the missing, removes its own stale grants, leaves a foreign statement alone', async () => {
    const f = await ready(LOCK);
    await publishLayerVersion(publishOptionsOf(f, { sharing: { accounts: [ACCOUNT_A], organizations: [], public: true } }));
    // Someone else's grant, made by hand.
    await f.lambda.send(
      new AddLayerVersionPermissionCommand({
        LayerName: f.layerName,
        VersionNumber: 1,
        StatementId: 'partner-team',
        Action: 'lambda:GetLayerVersion',
        Principal: '999988887777',
      }),
    );
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(
      publishOptionsOf(f, { logger, sharing: { accounts: [ACCOUNT_B], organizations: [ORG], public: false } }),
    );

    expect(result.status).toBe('unchanged');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(result.sharing).toMatchObject({
      layerVersion: 1,
      added: [{ statementId: `lambda-layer-account-${ACCOUNT_B}` }, { statementId: `lambda-layer-org-${ORG}` }],
      removed: [{ statementId: `lambda-layer-account-${ACCOUNT_A}` }, { statementId: 'lambda-layer-public' }],
      otherStatements: ['partner-team'],
    });
    expect((await policyOf(f, 1)).map((s) => s.Sid).sort()).toEqual([`lambda-layer-account-${ACCOUNT_B}`, `lambda-layer-org-${ORG}`, 'partner-team']);
    expect(logger.lines).toContain('Step 2.3 - Reconcile who may use layer version 1');
    expect(logger.lines).toContain('  left alone: 1 grant(s) made by others (partner-team)');

    // Nothing to do the next time: one read, no write.
    proxy.clearLog();
    const again = await publishLayerVersion(viaProxy(f, { sharing: { accounts: [ACCOUNT_B], organizations: [ORG], public: false } }));
    expect(again.sharing).toMatchObject({ added: [], removed: [] });
    expect(proxy.operations()).toEqual(['HeadObject', 'ListLayers', 'HeadObject', 'GetLayerVersionPolicy']);
  });

  it('with no sharing configured, leaves every grant alone and makes no policy call', async () => {
    const f = await ready(LOCK);
    await publishLayerVersion(publishOptionsOf(f, { sharing: { accounts: [ACCOUNT_A], organizations: [], public: false } }));
    proxy.clearLog();
    const result = await publishLayerVersion(viaProxy(f));
    expect(result.sharing).toBeUndefined();
    expect(proxy.count('GetLayerVersionPolicy')).toBe(0);
    expect((await policyOf(f, 1)).map((s) => s.Sid)).toEqual([`lambda-layer-account-${ACCOUNT_A}`]);
  });

  it('a lost answer to AddLayerVersionPermission is settled by reading the policy: one statement, not two', async () => {
    const f = await ready(LOCK);
    proxy.addRule({ service: 'Lambda', operation: 'AddLayerVersionPermission', times: 1, action: { kind: 'drop-response' } });
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(viaProxy(f, { logger, sharing: { accounts: [ACCOUNT_A], organizations: [], public: false } }));
    expect(result.sharing?.added).toHaveLength(1);
    // Sent once (no blind SDK retry, which moto would store as a second statement).
    expect(proxy.count('AddLayerVersionPermission')).toBe(1);
    expect((await policyOf(f, 1)).map((s) => s.Sid)).toEqual([`lambda-layer-account-${ACCOUNT_A}`]);
    expect(logger.lines.join('\n')).toContain(`the grant lambda-layer-account-${ACCOUNT_A} is in the policy of ${f.layerName}:1: it was made`);
  });

  it('a 500 to AddLayerVersionPermission that did not act: checked, then sent again, one statement', async () => {
    const f = await ready(LOCK);
    proxy.addRule({ service: 'Lambda', operation: 'AddLayerVersionPermission', times: 1, action: { kind: 'server-error' } });
    await publishLayerVersion(viaProxy(f, { sharing: { accounts: [], organizations: [], public: true } }));
    expect(proxy.count('AddLayerVersionPermission')).toBe(2);
    expect((await policyOf(f, 1)).map((s) => s.Sid)).toEqual(['lambda-layer-public']);
  });

  it('a lost answer to RemoveLayerVersionPermission: the retry meets "not found", which is the success it means', async () => {
    const f = await ready(LOCK);
    await publishLayerVersion(publishOptionsOf(f, { sharing: { accounts: [ACCOUNT_A], organizations: [], public: false } }));
    proxy.addRule({ service: 'Lambda', operation: 'RemoveLayerVersionPermission', times: 1, action: { kind: 'drop-response' } });
    const result = await publishLayerVersion(viaProxy(f, { sharing: { accounts: [], organizations: [], public: false } }));
    expect(result.sharing?.removed.map((g) => g.statementId)).toEqual([`lambda-layer-account-${ACCOUNT_A}`]);
    expect(proxy.count('RemoveLayerVersionPermission')).toBe(2);
    expect(await policyOf(f, 1)).toEqual([]);
  });

  it('interrupted while a grant is in flight (Lambda acted): one line saying the version is published, the next run makes only the rest', async () => {
    const f = await ready(LOCK);
    const sharing = { accounts: [ACCOUNT_A], organizations: [], public: true };
    proxy.addRule({ service: 'Lambda', operation: 'AddLayerVersionPermission', times: 1, action: { kind: 'hang', afterForward: true } });
    const controller = new AbortController();
    const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 30_000 };
    const running = publishLayerVersion(
      publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), sharing, signal: controller.signal }),
    );
    await proxy.waitFor('AddLayerVersionPermission');
    await expect.poll(async () => (await policyOf(f, 1)).map((s) => s.Sid), { timeout: 10_000 }).toEqual([`lambda-layer-account-${ACCOUNT_A}`]);
    controller.abort();
    const error = await failure(running);
    expect(error.code).toBe(ErrorCodes.INTERRUPTED);
    expect(error.oneLine).toBe(
      'interrupted: version 1 was published and its manifest stored; sharing it did not finish; run `layer publish` again (it finds the version unchanged and finishes)',
    );
    // Left: the version, its manifest, the grant Lambda made; no lock.
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
    expect(proxy.count('AddLayerVersionPermission')).toBe(1);

    proxy.clearRules();
    proxy.clearLog();
    const next = await publishLayerVersion(viaProxy(f, { sharing }));
    expect(next).toMatchObject({ status: 'unchanged', layerVersion: 1, sharing: { added: [{ kind: 'public' }] } });
    expect(proxy.count('AddLayerVersionPermission')).toBe(1);
    expect((await policyOf(f, 1)).map((s) => s.Sid).sort()).toEqual([`lambda-layer-account-${ACCOUNT_A}`, 'lambda-layer-public']);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
  });

  it('a grant that fails after a new version names the published version and keeps the result', async () => {
    const f = await ready(LOCK);
    proxy.addRule({
      service: 'Lambda',
      operation: 'AddLayerVersionPermission',
      action: {
        kind: 'respond',
        status: 403,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
        body: '{"Message":"not allowed"}',
      },
    });
    const error = await failure(publishLayerVersion(viaProxy(f, { sharing: { accounts: [ACCOUNT_A], organizations: [], public: false } })));
    expect(error.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(error.message).toMatch(new RegExp(`layer version 1 of ${f.layerName} is published, but its grants are not all made$`));
    expect(error.hint).toMatch(/run `layer publish` again: it finds version 1 unchanged and makes its grants$/);
    expect(error.result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);

    // The next run, allowed, makes the grant without a new version.
    proxy.clearRules();
    const next = await publishLayerVersion(viaProxy(f, { sharing: { accounts: [ACCOUNT_A], organizations: [], public: false } }));
    expect(next).toMatchObject({ status: 'unchanged', layerVersion: 1, sharing: { added: [{ principal: ACCOUNT_A }] } });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
  });

  it('refuses invalid account and organization ids before any AWS call', async () => {
    const f = await ready(LOCK);
    proxy.clearLog();
    const bad = await failure(publishLayerVersion(viaProxy(f, { sharing: { accounts: ['12345'], organizations: [], public: false } })));
    expect(bad.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(bad.oneLine).toMatch(/^--share-with-account: invalid AWS account id "12345"; an account id is 12 digits/);
    const org = await failure(publishLayerVersion(viaProxy(f, { sharing: { accounts: [], organizations: ['o-UPPER'], public: false } })));
    expect(org.oneLine).toMatch(/^--share-with-org: invalid organization id "o-UPPER"/);
    expect(proxy.requests).toEqual([]);
  });
});
