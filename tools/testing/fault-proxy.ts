/**
 * A fault-injecting HTTP proxy between the AWS SDK (or the `layer` bin) and
 * the moto server. It forwards every request and, for requests matching a
 * rule (service, operation, method, bucket/key, any predicate on the logged
 * request), can slow the request body, drop the response after the server
 * acted, hang, answer 5xx / throttling / any error in the service's own error
 * shape, or change the answer's headers. Every request is logged (service,
 * operation, outcome, how it arrived, its headers), so tests can count calls,
 * prove that no write happened and check what each request carried.
 *
 * It takes requests in every form a client sends them:
 *  - as the endpoint itself (origin-form `GET /bucket/key`): forwarded to `target`;
 *  - as a forward proxy (HTTPS_PROXY / --proxy): absolute-URI requests
 *    (`GET http://host:port/…`) and CONNECT tunnels, forwarded to the host
 *    named (or its alias in `hosts`); a CONNECT tunnel is passed through as
 *    bytes, or with `intercept` opened with a certificate of the test CA, as a
 *    TLS-intercepting corporate proxy does; `proxyAuth` demands Basic
 *    credentials (407 otherwise);
 *  - over TLS (`tls`): an https:// endpoint with a certificate of the test CA.
 *
 * Written by hand: no proxy library classifies S3/Lambda operations or
 * injects these faults, and the whole thing is one small node:http server.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect as netConnect, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

export type AwsService = 'S3' | 'Lambda' | 'unknown';

/** What the proxy does to a matching request. */
export type FaultAction =
  /** Forward the request body at this rate (a slow upload); the answer is untouched. */
  | { kind: 'slow-body'; bytesPerSecond: number }
  /** Forward, let the server act and answer, then destroy the client's socket: a lost response. */
  | { kind: 'drop-response' }
  /** Never answer. With `afterForward`, the server acts first (the request landed, the answer never comes). */
  | { kind: 'hang'; afterForward?: boolean }
  /** Answer 5xx without forwarding, in the service's error shape (or a bare HTML page with `raw`). */
  | { kind: 'server-error'; status?: number; code?: string; raw?: boolean }
  /** Answer as a throttled service does: S3 503 SlowDown, Lambda 429 TooManyRequestsException. */
  | { kind: 'throttle' }
  /** Answer exactly this, without forwarding (e.g. S3's 301 for a bucket in another region). */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  /** Answer an error in the service's own shape without forwarding (S3 XML `<Error>`, Lambda JSON), e.g. 403 AccessDenied. */
  | { kind: 'error'; status: number; code: string; message?: string }
  /** Forward, then change the answer's headers (e.g. an SSE-KMS object's ETag, which is not its MD5). */
  | { kind: 'answer-headers'; set: Record<string, string> };

export interface FaultRule {
  service?: AwsService;
  /** Operation name as in the API reference: PutObject, UploadPart, PublishLayerVersion, … */
  operation?: string;
  method?: string;
  /** Only requests whose S3 key (or Lambda path) contains this. */
  keyIncludes?: string;
  /** Only requests signed for this region. */
  region?: string;
  /** Only requests for which this holds (it sees the logged request: headers, query, how it arrived). */
  where?: (request: LoggedRequest) => boolean;
  /** Let this many matching requests through untouched before faulting (default 0). */
  skip?: number;
  /** How many matching requests to fault; default: every one. */
  times?: number;
  action: FaultAction;
}

export interface LoggedRequest {
  seq: number;
  method: string;
  service: AwsService;
  operation: string;
  path: string;
  bucket?: string;
  key?: string;
  /** The region the request is signed for (moto keeps regions apart by it). */
  region?: string;
  /** The status the client received, or what happened instead. */
  outcome: number | 'dropped' | 'hung' | 'client-closed' | 'upstream-error';
  /** The fault applied, if any. */
  fault?: FaultAction['kind'];
  /** How it arrived: as the endpoint (`direct`), an absolute-URI proxy request (`forward`), inside a CONNECT tunnel (`connect`, intercepted), or the CONNECT itself (`tunnel`). */
  via: 'direct' | 'forward' | 'connect' | 'tunnel';
  /** The host:port the client addressed (its Host header, or the CONNECT target). */
  host: string;
  /** Over TLS (to this proxy, as the endpoint or inside an intercepted tunnel). */
  tls: boolean;
  /** The query parameters. */
  query: Record<string, string>;
  /** The request headers, lower case, without Authorization and Proxy-Authorization. */
  headers: Record<string, string>;
  /** Whether the request carried Proxy-Authorization (its value is never logged). */
  proxyAuthorization: boolean;
  /** A Lambda request's JSON body (S3 bodies are data and are not kept). */
  body?: string;
}

export interface FaultProxyOptions {
  /** Where origin-form requests go (default: AWS_ENDPOINT_URL, the moto server). */
  target?: string;
  /** Serve HTTPS with this certificate and key (PEM): an https:// endpoint (TLS mode). */
  tls?: { cert: string; key: string };
  /** Forward-proxy aliases: a host:port a client names (absolute URI or CONNECT) -> where it really goes (http://host:port). */
  hosts?: Record<string, string>;
  /** Open CONNECT tunnels with this certificate (one of the test CA, for every name clients use) and read the requests inside: a TLS-intercepting proxy. */
  intercept?: { cert: string; key: string };
  /** Demand these Basic credentials from forward-proxy requests and CONNECTs (407 Proxy Authentication Required otherwise). */
  proxyAuth?: { username: string; password: string };
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT (https:// in TLS mode): point AWS_ENDPOINT_URL (or --endpoint-url) here, or HTTPS_PROXY / --proxy. */
  endpoint: string;
  /** 127.0.0.1:PORT */
  address: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly LoggedRequest[];
  /** Adds a rule; the first matching rule with times left applies. Returns a handle telling how often it fired. */
  addRule(rule: FaultRule): { readonly fired: number };
  clearRules(): void;
  /** Forgets the request log. */
  clearLog(): void;
  /** How many requests of an operation arrived (optionally only those matching `keyIncludes`). */
  count(operation: string, keyIncludes?: string): number;
  /** Operations of the logged requests, in order. */
  operations(filter?: (request: LoggedRequest) => boolean): string[];
  /** Resolves once a request for `operation` arrives (at most `timeoutMs`). */
  waitFor(operation: string, timeoutMs?: number): Promise<LoggedRequest>;
  close(): Promise<void>;
}

const WRITE_OPERATIONS = new Set([
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'CreateBucket',
  'DeleteBucket',
  'PublishLayerVersion',
  'DeleteLayerVersion',
  'AddLayerVersionPermission',
  'RemoveLayerVersionPermission',
  'CreateFunction',
]);

/** True for a request that changes state in S3 or Lambda. */
export function isWriteOperation(operation: string): boolean {
  return WRITE_OPERATIONS.has(operation);
}

/** The region a request is signed for: the SigV4 credential scope names it (`…/us-east-1/s3/aws4_request`). */
export function regionOf(headers: IncomingMessage['headers']): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/.exec(headers.authorization ?? '')?.[1];
}

/** The service a request is signed for: the SigV4 credential scope names it (`…/us-east-1/s3/aws4_request`). */
export function serviceOf(headers: IncomingMessage['headers'], path: string): AwsService {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '')?.[1];
  if (scope === 's3') return 'S3';
  if (scope === 'lambda') return 'Lambda';
  if (scope) return 'unknown';
  if (/^\/\d{4}-\d{2}-\d{2}\//.test(path)) return 'Lambda';
  // Unsigned: an SDK request always names itself (amz-sdk-invocation-id); anything else (pip reading an index) is not AWS.
  return Object.keys(headers).some((name) => name.startsWith('amz-sdk-') || name.startsWith('x-amz-')) ? 'S3' : 'unknown';
}

/** The headers worth logging: all but the credentials. */
function loggedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const logged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'proxy-authorization' || value === undefined) continue;
    logged[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return logged;
}

/** The Lambda operation of a REST path (the layer APIs and a few others). */
export function lambdaOperationOf(method: string, url: URL): string {
  const path = url.pathname;
  const layers = /^\/\d{4}-\d{2}-\d{2}\/layers(?:\/([^/]+)(?:\/versions(?:\/(\d+)(?:\/policy(?:\/[^/]+)?)?)?)?)?\/?$/.exec(path);
  if (layers) {
    const [, name, version] = layers;
    if (!name) return url.searchParams.get('find') === 'LayerVersion' ? 'GetLayerVersionByArn' : 'ListLayers';
    if (path.includes('/policy'))
      return method === 'POST' ? 'AddLayerVersionPermission' : method === 'DELETE' ? 'RemoveLayerVersionPermission' : 'GetLayerVersionPolicy';
    if (version === undefined) return method === 'POST' ? 'PublishLayerVersion' : 'ListLayerVersions';
    return method === 'DELETE' ? 'DeleteLayerVersion' : 'GetLayerVersion';
  }
  if (/\/functions\/?$/.test(path)) return method === 'POST' ? 'CreateFunction' : 'ListFunctions';
  return `${method} ${path}`;
}

/** The S3 operation of a path-style request, with its bucket and key. */
export function s3OperationOf(method: string, url: URL, headers: IncomingMessage['headers']): { operation: string; bucket?: string; key?: string } {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const q = url.searchParams;
  const copy = headers['x-amz-copy-source'] !== undefined;
  const where = { ...(bucket ? { bucket: decodeURIComponent(bucket) } : {}), ...(key ? { key } : {}) };
  const op = (operation: string) => ({ operation, ...where });
  if (!bucket) return op('ListBuckets');
  if (!key) {
    switch (method) {
      case 'PUT':
        return op('CreateBucket');
      case 'DELETE':
        return op('DeleteBucket');
      case 'HEAD':
        return op('HeadBucket');
      case 'POST':
        return op(q.has('delete') ? 'DeleteObjects' : 'PostBucket');
      default:
        if (q.has('uploads')) return op('ListMultipartUploads');
        if (q.has('location')) return op('GetBucketLocation');
        if (q.has('versions')) return op('ListObjectVersions');
        return op(q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
    }
  }
  switch (method) {
    case 'PUT':
      if (q.has('partNumber') && q.has('uploadId')) return op(copy ? 'UploadPartCopy' : 'UploadPart');
      if (q.has('tagging')) return op('PutObjectTagging');
      return op(copy ? 'CopyObject' : 'PutObject');
    case 'POST':
      if (q.has('uploads')) return op('CreateMultipartUpload');
      if (q.has('uploadId')) return op('CompleteMultipartUpload');
      return op('PostObject');
    case 'DELETE':
      return op(q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject');
    case 'HEAD':
      return op('HeadObject');
    default:
      if (q.has('uploadId')) return op('ListParts');
      if (q.has('tagging')) return op('GetObjectTagging');
      return op('GetObject');
  }
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** An error answer in the service's own shape: S3's XML `<Error>`, Lambda's JSON with x-amzn-ErrorType. */
function errorAnswer(
  service: AwsService,
  status: number,
  code: string,
  message: string,
): { status: number; headers: Record<string, string>; body: string } {
  const id = requestId();
  if (service === 'Lambda') {
    return {
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': id },
      body: JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message }),
    };
  }
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': id, 'x-amz-id-2': randomBytes(24).toString('base64') },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId><HostId>fault-proxy</HostId></Error>`,
  };
}

function answerFor(action: FaultAction, service: AwsService): { status: number; headers: Record<string, string>; body: string } | undefined {
  switch (action.kind) {
    case 'throttle':
      return service === 'Lambda'
        ? errorAnswer(service, 429, 'TooManyRequestsException', 'Rate exceeded')
        : errorAnswer(service, 503, 'SlowDown', 'Please reduce your request rate.');
    case 'server-error': {
      const status = action.status ?? 500;
      if (action.raw) {
        // What a load balancer in front of the service answers: not the service's XML or JSON.
        return { status, headers: { 'content-type': 'text/html' }, body: `<html><body><h1>${status} Bad Gateway</h1></body></html>` };
      }
      const code = action.code ?? (service === 'Lambda' ? 'ServiceException' : status === 503 ? 'ServiceUnavailable' : 'InternalError');
      return errorAnswer(service, status, code, 'We encountered an internal error. Please try again.');
    }
    case 'respond':
      return { status: action.status, headers: action.headers ?? {}, body: action.body ?? '' };
    case 'error':
      return errorAnswer(service, action.status, action.code, action.message ?? action.code);
    default:
      return undefined;
  }
}

/** Starts the proxy on a free loopback port in front of `target` (the moto endpoint); see the header for its modes. */
export async function startFaultProxy(targetOrOptions: string | FaultProxyOptions = {}): Promise<FaultProxy> {
  const options: FaultProxyOptions = typeof targetOrOptions === 'string' ? { target: targetOrOptions } : targetOrOptions;
  const target = options.target ?? process.env.AWS_ENDPOINT_URL ?? '';
  const upstream = new URL(target);
  if (!upstream.port) throw new Error(`startFaultProxy: ${target} has no port`);
  const rules: Array<FaultRule & { fired: number; seen: number }> = [];
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<{ operation: string; resolve: (request: LoggedRequest) => void }> = [];
  /** The CONNECT target of an intercepted tunnel's TLS socket. */
  const tunnels = new WeakMap<object, string>();
  let seq = 0;

  /** Where a host:port a client names really is. */
  const resolveHost = (hostPort: string): URL => new URL(options.hosts?.[hostPort] ?? `http://${hostPort}`);
  const isProxyAuthorized = (headers: IncomingHttpHeaders): boolean => {
    if (!options.proxyAuth) return true;
    const expected = `Basic ${Buffer.from(`${options.proxyAuth.username}:${options.proxyAuth.password}`).toString('base64')}`;
    return headers['proxy-authorization'] === expected;
  };

  const match = (entry: LoggedRequest): (FaultRule & { fired: number }) | undefined =>
    rules.find((rule) => {
      const matches =
        (rule.times === undefined || rule.fired < rule.times) &&
        (!rule.service || rule.service === entry.service) &&
        (!rule.operation || rule.operation === entry.operation) &&
        (!rule.method || rule.method === entry.method) &&
        (!rule.keyIncludes || (entry.key ?? entry.path).includes(rule.keyIncludes)) &&
        (!rule.region || rule.region === entry.region) &&
        (!rule.where || rule.where(entry));
      if (!matches) return false;
      rule.seen += 1;
      return rule.seen > (rule.skip ?? 0);
    });

  const log = (entry: LoggedRequest): void => {
    requests.push(entry);
    for (const waiter of waiters.splice(0)) {
      if (waiter.operation === entry.operation) waiter.resolve(entry);
      else waiters.push(waiter);
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const absolute = /^[a-z]+:\/\//i.test(req.url ?? '');
    const tunnel = tunnels.get(req.socket);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    const service = serviceOf(req.headers, url.pathname);
    const classified =
      service === 'Lambda'
        ? { operation: lambdaOperationOf(method, url) }
        : service === 'S3'
          ? s3OperationOf(method, url, req.headers)
          : { operation: `${method} ${url.pathname}` };
    const host = absolute ? url.host : (tunnel ?? req.headers.host ?? '');
    const region = regionOf(req.headers);
    const entry: LoggedRequest = {
      seq: (seq += 1),
      method,
      service,
      path: url.pathname,
      ...classified,
      outcome: 'client-closed',
      via: absolute ? 'forward' : tunnel !== undefined ? 'connect' : 'direct',
      host,
      tls: 'encrypted' in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted),
      ...(region ? { region } : {}),
      query: Object.fromEntries(url.searchParams),
      headers: loggedHeaders(req.headers),
      proxyAuthorization: req.headers['proxy-authorization'] !== undefined,
    };
    if (service === 'Lambda') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (chunks.length) entry.body = Buffer.concat(chunks).toString('utf8');
      });
    }
    if (absolute && !isProxyAuthorized(req.headers)) {
      entry.outcome = 407;
      log(entry);
      req.resume();
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="fault-proxy"', 'content-length': 0 });
      res.end();
      return;
    }
    const rule = match(entry);
    if (rule) {
      rule.fired += 1;
      entry.fault = rule.action.kind;
    }
    log(entry);
    const action = rule?.action;

    const canned = action ? answerFor(action, service) : undefined;
    if (canned) {
      req.resume();
      req.on('end', () => {
        entry.outcome = canned.status;
        res.writeHead(canned.status, { ...canned.headers, 'content-length': Buffer.byteLength(canned.body) });
        res.end(canned.body);
      });
      return;
    }
    if (action?.kind === 'hang' && !action.afterForward) {
      entry.outcome = 'hung';
      req.resume();
      return;
    }

    // The client already got "100 Continue" from this server; the upstream must not wait for it again.
    const headers = { ...req.headers };
    delete headers.expect;
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const to = absolute
      ? resolveHost(`${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`)
      : tunnel !== undefined
        ? resolveHost(tunnel)
        : upstream;
    const forward = httpRequest(
      { host: to.hostname, port: to.port || 80, method, path: absolute ? `${url.pathname}${url.search}` : req.url, headers },
      (answer) => {
        if (action?.kind === 'drop-response' || action?.kind === 'hang') {
          // The server acted: read its whole answer, then lose it on the way back.
          answer.resume();
          answer.on('end', () => {
            if (action.kind === 'hang') {
              entry.outcome = 'hung';
              return;
            }
            entry.outcome = 'dropped';
            req.socket.destroy();
          });
          return;
        }
        entry.outcome = answer.statusCode ?? 0;
        const answerHeaders = { ...answer.headers, ...(action?.kind === 'answer-headers' ? action.set : {}) };
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      entry.outcome = 'upstream-error';
      res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished && entry.outcome !== 'dropped' && entry.outcome !== 'hung') entry.outcome = 'client-closed';
      forward.destroy();
    });
    if (action?.kind === 'slow-body') {
      const perMs = Math.max(1, action.bytesPerSecond) / 1000;
      req.on('data', (chunk: Buffer) => {
        forward.write(chunk);
        req.pause();
        setTimeout(() => req.resume(), Math.ceil(chunk.length / perMs)).unref();
      });
      req.on('end', () => forward.end());
    } else {
      req.pipe(forward);
    }
  };

  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createServer(handle);
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on(options.tls ? 'secureConnection' : 'connection', track);
  if (options.tls) server.on('connection', track);

  // CONNECT: a tunnel to the named host, passed through as bytes or (intercept) opened and read.
  const interceptContext = options.intercept ? createSecureContext({ cert: options.intercept.cert, key: options.intercept.key }) : undefined;
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client);
    const hostPort = req.url ?? '';
    const entry: LoggedRequest = {
      seq: (seq += 1),
      method: 'CONNECT',
      service: 'unknown',
      operation: 'CONNECT',
      path: hostPort,
      outcome: 200,
      via: 'tunnel',
      host: hostPort,
      tls: false,
      query: {},
      headers: loggedHeaders(req.headers),
      proxyAuthorization: req.headers['proxy-authorization'] !== undefined,
    };
    client.on('error', () => client.destroy());
    if (!isProxyAuthorized(req.headers)) {
      entry.outcome = 407;
      log(entry);
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="fault-proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    log(entry);
    if (interceptContext) {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) client.unshift(head);
      const secure = new TLSSocket(client, { isServer: true, secureContext: interceptContext });
      tunnels.set(secure, hostPort);
      secure.on('error', () => secure.destroy());
      server.emit('connection', secure);
      return;
    }
    const to = resolveHost(hostPort);
    let established = false;
    const upstreamSocket = netConnect(Number(to.port || 80), to.hostname, () => {
      established = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstreamSocket.write(head);
      upstreamSocket.pipe(client);
      client.pipe(upstreamSocket);
    });
    track(upstreamSocket);
    upstreamSocket.on('error', () => {
      // Once the tunnel stands, its end (a reset on close) is no failure of the CONNECT.
      if (!established) {
        entry.outcome = 'upstream-error';
        if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
      client.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    requests,
    addRule(rule) {
      const entry = { ...rule, fired: 0, seen: 0 };
      rules.push(entry);
      return {
        get fired() {
          return entry.fired;
        },
      };
    },
    clearRules: () => void rules.splice(0),
    clearLog: () => void requests.splice(0),
    count: (operation, keyIncludes) =>
      requests.filter((r) => r.operation === operation && (!keyIncludes || (r.key ?? r.path).includes(keyIncludes))).length,
    operations: (filter) => requests.filter(filter ?? (() => true)).map((r) => r.operation),
    waitFor: (operation, timeoutMs = 30_000) =>
      new Promise<LoggedRequest>((resolve, reject) => {
        const seen = requests.find((r) => r.operation === operation);
        if (seen) {
          resolve(seen);
          return;
        }
        const timer = setTimeout(() => reject(new Error(`fault proxy: no ${operation} request within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          operation,
          resolve: (request) => {
            clearTimeout(timer);
            resolve(request);
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Makes the proxy answer as S3 does for a bucket owned by `account`: a request
 * that names another ExpectedBucketOwner (or ExpectedSourceBucketOwner) gets
 * S3's 403 AccessDenied. moto ignores these headers, so this is how the
 * owner check is tested.
 */
export function emulateBucketOwner(proxy: Pick<FaultProxy, 'addRule'>, bucket: string, account: string): { readonly fired: number } {
  return proxy.addRule({
    service: 'S3',
    where: (request) =>
      request.bucket === bucket &&
      ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner'].some(
        (header) => request.headers[header] !== undefined && request.headers[header] !== account,
      ),
    action: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
  });
}
