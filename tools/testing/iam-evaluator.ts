/**
 * A small IAM policy evaluator for the policy-coverage tests: it turns each
 * AWS request a run made (the fault proxy's log) into the authorization
 * requests AWS would evaluate (action, resource ARN, condition context), and
 * says whether a policy document allows each one.
 *
 * It implements what our policies use, strictly: Allow and Deny statements,
 * Action and Resource with `*` and `?` wildcards (actions without case),
 * and the StringEquals / StringLike operators (also ForAnyValue: /
 * ForAllValues:) on keys of the request context; a key missing from the
 * context fails its condition, as in IAM. NotAction, NotResource,
 * NotPrincipal and other operators throw: a policy using them is not one this
 * evaluator can vouch for.
 */
import type { LoggedRequest } from './fault-proxy.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  /** Not supported: a statement with one of these makes the evaluator throw. */
  NotAction?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  context: Record<string, string[]>;
  /** The request it came from, for the failure message. */
  from: string;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcards: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = `^${pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')}$`;
  return new RegExp(source, ignoreCase ? 'is' : 's').test(value);
}

function conditionHolds(operator: string, key: string, expected: string[], context: Record<string, string[]>): boolean {
  const [qualifier, op] = operator.includes(':') ? (operator.split(':') as [string, string]) : [undefined, operator];
  const values = context[key];
  if (values === undefined || values.length === 0) return qualifier === 'ForAllValues';
  const one = (value: string): boolean => {
    switch (op) {
      case 'StringEquals':
        return expected.includes(value);
      case 'StringLike':
        return expected.some((pattern) => wildcardMatch(pattern, value));
      default:
        throw new Error(`iam-evaluator: condition operator ${operator} is not supported`);
    }
  };
  if (qualifier === 'ForAllValues') return values.every(one);
  if (qualifier === undefined && values.length > 1) throw new Error(`iam-evaluator: ${key} has several values; use ForAnyValue: or ForAllValues:`);
  return values.some(one);
}

function statementMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal', 'Principal']) {
    if (unsupported in statement && (statement as unknown as Record<string, unknown>)[unsupported] !== undefined)
      throw new Error(`iam-evaluator: ${unsupported} is not supported`);
  }
  if (!list(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true))) return false;
  if (!list(statement.Resource).some((pattern) => wildcardMatch(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) if (!conditionHolds(operator, key, list(expected), request.context)) return false;
  }
  return true;
}

/** IAM's rule for one policy: an explicit Deny wins, then an Allow, else the implicit deny. */
export function isAllowed(policy: PolicyDocument, request: AuthorizationRequest): boolean {
  if (policy.Statement.some((statement) => statement.Effect === 'Deny' && statementMatches(statement, request))) return false;
  return policy.Statement.some((statement) => statement.Effect === 'Allow' && statementMatches(statement, request));
}

/** One row of the CLI's policy table (packages/cli/src/iam-policy/policy-table.ts), as this evaluator reads it. */
export interface PolicyTableRow {
  feature: string;
  operation: string;
  action: string;
  resource: string;
  by: 'call' | 'service' | 'answer';
}

export interface AuthorizationContext {
  /** The account of the Lambda layers (moto's is 123456789012). */
  account: string;
  partition?: string;
  /**
   * The features the run used: they decide what AWS does on the caller's
   * behalf (`service` rows: S3 using the KMS key only with SSE-KMS). The
   * call's own permission is asked whatever the features: every row of its
   * operation, so a call made by a feature the policy was not printed for
   * is denied, not skipped.
   */
  features: readonly string[];
  /** The KMS key ARN S3 used for the run's objects (for `service` rows on `kms-key`); per region for a run in several regions. */
  kmsKeyArn?: string | ((region: string) => string);
}

const S3_BUCKET_OPERATIONS = new Set([
  'ListObjectsV2',
  'ListObjects',
  'ListMultipartUploads',
  'HeadBucket',
  'ListObjectVersions',
  'GetBucketLocation',
]);

/** The layer name and version of a Lambda layer request path (a name may be a URL-encoded layer ARN). */
function layerOf(path: string): { name: string; version?: string } | undefined {
  const match = /^\/\d{4}-\d{2}-\d{2}\/layers\/([^/]+)(?:\/versions\/(\d+))?/.exec(path);
  if (!match) return undefined;
  const raw = decodeURIComponent(match[1] as string);
  const name = /:layer:([^:]+)$/.exec(raw)?.[1] ?? raw;
  return { name, ...(match[2] ? { version: match[2] } : {}) };
}

/**
 * The authorization requests AWS evaluates for one logged request, from the
 * table's rows for its operation (of any feature): the call's own action on the resource the
 * request names (object, bucket with its s3:prefix, layer or layer version,
 * or "*" for the Lambda list calls), and what the service does on the
 * caller's behalf (Lambda reading the zip the request names; S3 using the
 * KMS key). `answer` rows apply to a read that found nothing (404). An
 * operation the table does not know fails: that is how drift shows.
 */
export function authorizationRequestsOf(
  request: LoggedRequest,
  table: readonly PolicyTableRow[],
  context: AuthorizationContext,
): AuthorizationRequest[] {
  const partition = context.partition ?? 'aws';
  const rows = table.filter((row) => row.operation === request.operation && (row.by !== 'service' || context.features.includes(row.feature)));
  const from = `${request.service} ${request.operation} ${request.key ? `s3://${request.bucket}/${request.key}` : request.bucket ? `s3://${request.bucket}` : request.path}`;
  if (!table.some((row) => row.operation === request.operation)) throw new Error(`iam-evaluator: ${from} is not in the policy table`);
  const region = request.region ?? 'us-east-1';
  const out: AuthorizationRequest[] = [];
  const add = (action: string, resource: string, ctx: Record<string, string[]> = {}) => {
    if (!out.some((known) => known.action === action && known.resource === resource)) out.push({ action, resource, context: ctx, from });
  };
  for (const row of rows) {
    if (row.by === 'answer' && !(request.outcome === 404)) continue;
    if (row.by === 'call' || row.by === 'answer') {
      if (request.service === 'S3') {
        if (row.by === 'answer') add(row.action, `arn:${partition}:s3:::${request.bucket}`, { 's3:prefix': [request.key ?? ''] });
        else if (S3_BUCKET_OPERATIONS.has(request.operation))
          add(
            row.action,
            `arn:${partition}:s3:::${request.bucket}`,
            request.query.prefix !== undefined ? { 's3:prefix': [request.query.prefix] } : {},
          );
        else add(row.action, `arn:${partition}:s3:::${request.bucket}/${request.key}`);
      } else if (request.service === 'Lambda') {
        const layer = layerOf(request.path);
        if (row.resource === 'any' || !layer) add(row.action, '*');
        else {
          const arn = `arn:${partition}:lambda:${region}:${context.account}:layer:${layer.name}`;
          add(row.action, row.resource === 'layer-versions' ? `${arn}:${layer.version ?? '*'}` : arn);
        }
      }
      continue;
    }
    // by 'service'
    if (row.resource === 'layer-zip') {
      const content = (JSON.parse(request.body ?? '{}') as { Content?: { S3Bucket?: string; S3Key?: string } }).Content;
      if (!content?.S3Bucket) throw new Error(`iam-evaluator: ${from} names no S3 object (was its body logged?)`);
      add(row.action, `arn:${partition}:s3:::${content.S3Bucket}/${content.S3Key}`);
    } else if (row.resource === 'kms-key') {
      if (!context.kmsKeyArn) throw new Error('iam-evaluator: the run used SSE-KMS but no kmsKeyArn was given');
      const keyArn = typeof context.kmsKeyArn === 'function' ? context.kmsKeyArn(region) : context.kmsKeyArn;
      add(row.action, keyArn, { 'kms:ViaService': [`s3.${region}.amazonaws.com`] });
    } else {
      throw new Error(`iam-evaluator: no way to name the resource of a service row on ${row.resource}`);
    }
  }
  return out;
}

/** The requests of a run the policy would deny, with why; empty when the policy covers the run. */
export function deniedRequests(
  policy: PolicyDocument,
  requests: readonly LoggedRequest[],
  table: readonly PolicyTableRow[],
  context: AuthorizationContext,
): string[] {
  const denied: string[] = [];
  for (const request of requests) {
    if (request.service !== 'S3' && request.service !== 'Lambda') continue;
    for (const asked of authorizationRequestsOf(request, table, context)) {
      if (!isAllowed(policy, asked))
        denied.push(
          `${asked.from}: ${asked.action} on ${asked.resource}${Object.keys(asked.context).length ? ` with ${JSON.stringify(asked.context)}` : ''}`,
        );
    }
  }
  return [...new Set(denied)];
}
