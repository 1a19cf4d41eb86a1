/**
 * The AWS clients behind a proxy and a private CA, against moto through the
 * fault proxy in its three roles: a forward proxy (absolute-URI requests and
 * CONNECT tunnels, plain or TLS-intercepting), and a TLS endpoint with a
 * certificate of a CA made for the test. `aws-endpoint` is a host name only
 * the proxy knows (the runner cannot resolve it), as on a CI runner whose
 * only way out is the corporate proxy.
 */
import { ListLayersCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ErrorCodes, type LayerError, type NetworkSettings, readCaBundle, toLayerErrorFromAws } from '@lambda-layer/core';
import { type FaultProxy, startFaultProxy, uniqueName, useTestCa } from '@lambda-layer/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from './aws-clients.js';

const moto = process.env.AWS_ENDPOINT_URL as string;
const ca = useTestCa();
let tlsEndpoint: FaultProxy;
let forward: FaultProxy;
let intercepting: FaultProxy;
let guarded: FaultProxy;
const proxies = () => [tlsEndpoint, forward, intercepting, guarded];

beforeAll(async () => {
  tlsEndpoint = await startFaultProxy({ tls: { cert: ca().cert, key: ca().key } });
  const hosts = { 'aws-endpoint:80': moto, 'aws-endpoint:443': `http://${tlsEndpoint.address}` };
  forward = await startFaultProxy({ hosts });
  intercepting = await startFaultProxy({ hosts: { 'aws-endpoint:443': moto }, intercept: { cert: ca().cert, key: ca().key } });
  guarded = await startFaultProxy({ hosts, proxyAuth: { username: 'ci-runner', password: 'pr0xy s3cret' } });
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeAll failed before starting it
  await Promise.all(proxies().map((proxy) => proxy?.close()));
});
beforeEach(() => {
  for (const proxy of proxies()) proxy.clearLog();
});

const viaProxy = (proxy: string, extra: Partial<NetworkSettings> = {}): NetworkSettings => ({
  proxy: { https: proxy, http: proxy, source: 'HTTPS_PROXY' },
  ...extra,
});

/** Three calls through clients made the CLI's way: S3 writes and reads, one Lambda call. */
async function roundTrip(endpointUrl: string, network: NetworkSettings): Promise<void> {
  const aws = createAwsClients({ endpointUrl, network: async () => network });
  const s3 = await aws.s3();
  const bucket = uniqueName('net');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'layer/layer.zip', Body: 'zip' }));
  expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'layer/layer.zip' }))).ContentLength).toBe(3);
  await (await aws.lambda()).send(new ListLayersCommand({}));
}

async function failure(endpointUrl: string, network: NetworkSettings): Promise<LayerError> {
  try {
    await roundTrip(endpointUrl, network);
  } catch (error) {
    return toLayerErrorFromAws(error, 'test the network');
  }
  throw new Error('expected a failure');
}

const seen = (proxy: FaultProxy) => proxy.requests.map((r) => `${r.via} ${r.operation}`);

describe('AWS clients behind a proxy', () => {
  it("send an http:// endpoint's requests to the proxy as absolute URIs (a host only the proxy resolves)", async () => {
    await roundTrip('http://aws-endpoint', viaProxy(forward.endpoint));
    expect(seen(forward)).toEqual(['forward CreateBucket', 'forward PutObject', 'forward HeadObject', 'forward ListLayers']);
    expect(forward.requests.every((r) => r.host === 'aws-endpoint:80' || r.host === 'aws-endpoint')).toBe(true);
  });

  it('tunnel an https:// endpoint through CONNECT and check its certificate against the CA bundle', async () => {
    await roundTrip('https://aws-endpoint', viaProxy(forward.endpoint, { caBundle: await readCaBundle(ca().caFile, '--ca-bundle') }));
    expect(seen(forward)).toEqual(Array(4).fill('tunnel CONNECT'));
    expect(forward.requests.map((r) => r.host)).toEqual(Array(4).fill('aws-endpoint:443'));
    // The TLS endpoint behind the tunnel got the requests, over TLS.
    expect(tlsEndpoint.requests.map((r) => [r.operation, r.tls])).toEqual([
      ['CreateBucket', true],
      ['PutObject', true],
      ['HeadObject', true],
      ['ListLayers', true],
    ]);
  });

  it('work through a TLS-intercepting proxy when its CA is in the bundle, and fail in one line naming host and settings when not', async () => {
    await roundTrip('https://aws-endpoint', viaProxy(intercepting.endpoint, { caBundle: await readCaBundle(ca().caFile, 'AWS_CA_BUNDLE') }));
    expect(seen(intercepting)).toEqual([
      'tunnel CONNECT',
      'connect CreateBucket',
      'tunnel CONNECT',
      'connect PutObject',
      'tunnel CONNECT',
      'connect HeadObject',
      'tunnel CONNECT',
      'connect ListLayers',
    ]);

    intercepting.clearLog();
    const without = await failure('https://aws-endpoint', viaProxy(intercepting.endpoint));
    expect(without.code).toBe(ErrorCodes.AWS_TLS_FAILED);
    expect(without.oneLine).toMatch(
      new RegExp(
        `^TLS with S3 at aws-endpoint through the proxy ${intercepting.endpoint.replace(/[.]/g, '\\.')} failed \\(.+\\) after 1 attempt while trying to test the network; if a proxy or a private CA signs aws-endpoint's certificate, give its CA file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile`,
      ),
    );
    // The TLS handshake failed: no request reached the service.
    expect(intercepting.requests.filter((r) => r.via === 'connect')).toEqual([]);

    const wrongCa = await failure(
      'https://aws-endpoint',
      viaProxy(intercepting.endpoint, { caBundle: await readCaBundle(ca().otherCaFile, 'ca_bundle of the AWS profile ci') }),
    );
    expect(wrongCa.hint).toBe(
      `the CA bundle ${ca().otherCaFile} (from ca_bundle of the AWS profile ci) does not hold the CA that signed aws-endpoint's certificate: add that CA to it, or name the right file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile`,
    );
  });

  it('go straight to a host NO_PROXY lists, and through the proxy when the entry names another port', async () => {
    const port = new URL(moto).port;
    await roundTrip(moto, viaProxy(forward.endpoint, { noProxy: `example.com,127.0.0.1:${port}` }));
    expect(forward.requests).toEqual([]);
    await roundTrip(moto, viaProxy(forward.endpoint, { noProxy: `127.0.0.1:${Number(port) + 1}` }));
    expect(seen(forward)).toEqual(['forward CreateBucket', 'forward PutObject', 'forward HeadObject', 'forward ListLayers']);
    // A NO_PROXY host only the proxy could resolve fails as DNS, naming it: the request really went direct.
    const direct = await failure('http://aws-endpoint', viaProxy(forward.endpoint, { noProxy: 'aws-endpoint' }));
    expect(direct.code).toBe(ErrorCodes.AWS_DNS_FAILED);
    expect(direct.message).toMatch(/^cannot resolve the host name aws-endpoint /);
  });

  it('reach a TLS endpoint directly with its CA bundle', async () => {
    await roundTrip(tlsEndpoint.endpoint, { caBundle: await readCaBundle(ca().caFile, '--ca-bundle') });
    expect(tlsEndpoint.requests.map((r) => `${r.via} ${r.operation} ${r.tls}`)).toEqual([
      'direct CreateBucket true',
      'direct PutObject true',
      'direct HeadObject true',
      'direct ListLayers true',
    ]);
  });

  it("send the proxy's credentials (Basic, from the URL) and never log them; without them: one line about the 407", async () => {
    await roundTrip('http://aws-endpoint', viaProxy(`http://ci-runner:${encodeURIComponent('pr0xy s3cret')}@${guarded.address}`));
    expect(guarded.requests.map((r) => [r.operation, r.proxyAuthorization, r.outcome])).toEqual([
      ['CreateBucket', true, 200],
      ['PutObject', true, 200],
      ['HeadObject', true, 200],
      ['ListLayers', true, 200],
    ]);
    await roundTrip(
      'https://aws-endpoint',
      viaProxy(`http://ci-runner:${encodeURIComponent('pr0xy s3cret')}@${guarded.address}`, {
        caBundle: await readCaBundle(ca().caFile, '--ca-bundle'),
      }),
    );

    const refused = await failure('http://aws-endpoint', viaProxy(`http://ci-runner:wrong@${guarded.address}`));
    expect(refused.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(refused.oneLine).toBe(
      `the proxy http://****@${guarded.address} (from HTTPS_PROXY) answered HTTP 407 Proxy Authentication Required instead of S3 while trying to test the network; give the proxy's user and password in the environment: HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT (or LAYER_PROXY)`,
    );
    const tunnelRefused = await failure('https://aws-endpoint', viaProxy(`http://${guarded.address}`));
    expect(tunnelRefused.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(JSON.stringify(refused.toJSON())).not.toContain('wrong');
  });

  it('name the proxy when it cannot be reached', async () => {
    const error = await failure('http://aws-endpoint', viaProxy('http://127.0.0.1:9'));
    expect(error.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(error.oneLine).toMatch(
      /^cannot reach the proxy http:\/\/127\.0\.0\.1:9 \(from HTTPS_PROXY\): connection refused after \d attempts? while trying to test the network; check the proxy address in HTTPS_PROXY, or list aws-endpoint in NO_PROXY to reach it directly$/,
    );
  });
});
