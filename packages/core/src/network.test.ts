import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, LayerError } from './errors.js';
import {
  describeNetwork,
  displayUrl,
  isNoProxyHost,
  networkSecrets,
  parseProxyUrl,
  proxyFor,
  pythonToolNetworkEnv,
  readCaBundle,
  resolveProxySettings,
  withNoProxyHosts,
} from './network.js';

const https = (hostname: string, port?: number) => ({ protocol: 'https:', hostname, ...(port ? { port } : {}) });
const http = (hostname: string, port?: number) => ({ protocol: 'http:', hostname, ...(port ? { port } : {}) });

describe('NO_PROXY, as curl reads it', () => {
  it.each([
    ['*', https('s3.eu-west-1.amazonaws.com'), true],
    ['amazonaws.com', https('s3.eu-west-1.amazonaws.com'), true],
    ['.amazonaws.com', https('s3.eu-west-1.amazonaws.com'), true],
    ['*.amazonaws.com', https('lambda.us-east-1.amazonaws.com'), true],
    ['amazonaws.com', https('amazonaws.com'), true],
    ['amazonaws.com', https('notamazonaws.com'), false],
    ['s3.eu-west-1.amazonaws.com', https('lambda.eu-west-1.amazonaws.com'), false],
    ['S3.Example.COM', https('s3.example.com'), true],
    ['example.com.', https('s3.example.com'), true],
    ['internal, example.com ,other', https('a.example.com'), true],
    ['127.0.0.1', http('127.0.0.1', 5000), true],
    ['127.0.0.1', http('127.0.0.2', 5000), false],
    ['10.0.0.0/8', https('10.20.30.40'), true],
    ['10.0.0.0/8', https('11.0.0.1'), false],
    ['192.168.1.0/24', https('192.168.2.1'), false],
    ['::1', http('[::1]', 5000), true],
    ['[::1]:5000', http('[::1]', 5000), true],
    ['fd00::/8', https('fd12::1'), true],
    ['127.0.0.1:5000', http('127.0.0.1', 5000), true],
    ['127.0.0.1:5000', http('127.0.0.1', 5001), false],
    ['example.com:443', https('s3.example.com'), true],
    ['example.com:443', http('s3.example.com'), false],
    ['localhost', http('127.0.0.1', 80), false], // nothing is resolved
    ['', https('s3.amazonaws.com'), false],
    [',,', https('s3.amazonaws.com'), false],
  ])('NO_PROXY=%j for %j: bypass %s', (noProxy, target, bypass) => {
    expect(isNoProxyHost(target, noProxy)).toBe(bypass);
  });

  it('loopback is not exempt unless listed (curl does not exempt it either)', () => {
    expect(isNoProxyHost(http('127.0.0.1', 5000), undefined)).toBe(false);
    expect(isNoProxyHost(http('localhost', 5000), 'localhost')).toBe(true);
  });
});

describe('proxy settings', () => {
  it('reads the proxy variables in both cases, lower case first, and NO_PROXY', () => {
    expect(
      resolveProxySettings(undefined, {
        HTTPS_PROXY: 'http://upper:3128',
        https_proxy: 'http://lower:3128',
        HTTP_PROXY: 'http://plain:8080',
        NO_PROXY: '.internal',
      }),
    ).toEqual({
      proxy: { https: 'http://lower:3128', http: 'http://plain:8080', source: 'https_proxy and HTTP_PROXY' },
      noProxy: '.internal',
    });
    expect(resolveProxySettings(undefined, { HTTPS_PROXY: 'proxy.corp:3128', no_proxy: 'a', NO_PROXY: 'b' })).toEqual({
      proxy: { https: 'http://proxy.corp:3128', http: undefined, source: 'HTTPS_PROXY' },
      noProxy: 'a',
    });
    expect(resolveProxySettings(undefined, { HTTPS_PROXY: '  ', NO_PROXY: 'x' })).toEqual({ noProxy: 'x' });
  });

  it('a configured proxy (--proxy, LAYER_PROXY, pyproject) wins over the variables and serves both schemes; NO_PROXY still applies', () => {
    const settings = resolveProxySettings({ url: 'http://flag:3128', source: '--proxy' }, { HTTPS_PROXY: 'http://env:3128', NO_PROXY: '.internal' });
    expect(settings).toEqual({ proxy: { https: 'http://flag:3128', http: 'http://flag:3128', source: '--proxy' }, noProxy: '.internal' });
    expect(proxyFor(https('s3.eu-west-1.amazonaws.com'), settings)).toBe('http://flag:3128');
    expect(proxyFor(http('moto.internal', 5000), settings)).toBeUndefined();
  });

  it('an http:// endpoint uses HTTP_PROXY, an https:// one HTTPS_PROXY; without one of them it goes direct', () => {
    const settings = resolveProxySettings(undefined, { HTTPS_PROXY: 'http://secure:1' });
    expect(proxyFor(https('s3.amazonaws.com'), settings)).toBe('http://secure:1');
    expect(proxyFor(http('127.0.0.1', 5000), settings)).toBeUndefined();
  });

  it('refuses a proxy that is not an HTTP(S) URL, naming the variable, and never echoes credentials', () => {
    const error = (() => {
      try {
        resolveProxySettings(undefined, { HTTPS_PROXY: 'socks5://user:secret@proxy:1080' });
      } catch (caught) {
        return caught as LayerError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe(ErrorCodes.USAGE);
    expect(error.oneLine).toMatch(/^invalid HTTPS_PROXY: the proxy must be an http:\/\/ or https:\/\/ URL/);
    expect(() => parseProxyUrl('http://user:secret@proxy:3128/some/path')).toThrow(/has a path/);
    try {
      parseProxyUrl('http://user:secret@proxy:3128/some/path');
    } catch (caught) {
      expect((caught as LayerError).oneLine).not.toContain('secret');
    }
    expect(parseProxyUrl('https://proxy.corp:8443/')).toBe('https://proxy.corp:8443');
  });

  it('shows proxy URLs without credentials and hands their passwords to redactors', () => {
    expect(displayUrl('http://alice:s3cr%40t@proxy:3128')).toBe('http://****@proxy:3128');
    const settings = {
      proxy: { https: 'http://alice:s3cr%40t@proxy:3128', http: 'http://alice:s3cr%40t@proxy:3128', source: 'HTTPS_PROXY' },
      noProxy: '127.0.0.1',
    };
    expect(networkSecrets(settings)).toEqual(['s3cr@t', 's3cr@t']);
    expect(describeNetwork(settings)).toEqual(['proxy http://****@proxy:3128 (from HTTPS_PROXY), except NO_PROXY 127.0.0.1']);
  });
});

describe('the Python tools', () => {
  it('get the proxy in both cases, NO_PROXY, and the CA bundle through PIP_CERT, SSL_CERT_FILE and REQUESTS_CA_BUNDLE', () => {
    const env = pythonToolNetworkEnv(
      {
        proxy: { https: 'http://p:3128', http: 'http://p:3128', source: '--proxy' },
        noProxy: '.internal',
        caBundle: { path: '/ca.pem', source: '--ca-bundle', pem: '' },
      },
      {},
    );
    expect(env).toEqual({
      HTTPS_PROXY: 'http://p:3128',
      https_proxy: 'http://p:3128',
      HTTP_PROXY: 'http://p:3128',
      http_proxy: 'http://p:3128',
      NO_PROXY: '.internal',
      no_proxy: '.internal',
      PIP_CERT: '/ca.pem',
      SSL_CERT_FILE: '/ca.pem',
      REQUESTS_CA_BUNDLE: '/ca.pem',
    });
  });

  it("keep a tool's own CA variable against AWS_CA_BUNDLE, not against --ca-bundle", () => {
    const fromAws = pythonToolNetworkEnv({ caBundle: { path: '/ca.pem', source: 'AWS_CA_BUNDLE', pem: '' } }, { PIP_CERT: '/mine.pem' });
    expect(fromAws).toEqual({ SSL_CERT_FILE: '/ca.pem', REQUESTS_CA_BUNDLE: '/ca.pem' });
    const own = pythonToolNetworkEnv(
      { caBundle: { path: '/ca.pem', source: '--ca-bundle', pem: '', ownSetting: true } },
      { PIP_CERT: '/mine.pem', SSL_CERT_FILE: '/system.pem' },
    );
    expect(own).toEqual({ PIP_CERT: '/ca.pem', SSL_CERT_FILE: '/ca.pem', REQUESTS_CA_BUNDLE: '/ca.pem' });
  });

  it('reach servers on loopback directly', () => {
    expect(withNoProxyHosts({ NO_PROXY: '.internal' }, ['127.0.0.1'])).toEqual({ NO_PROXY: '.internal,127.0.0.1', no_proxy: '.internal,127.0.0.1' });
    expect(withNoProxyHosts({}, ['127.0.0.1'])).toEqual({ NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' });
  });
});

describe('CA bundles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ca-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a PEM file of certificates', async () => {
    const path = join(dir, 'ok.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await writeFile(path, pem);
    expect(await readCaBundle(path, 'AWS_CA_BUNDLE')).toEqual({ path, source: 'AWS_CA_BUNDLE', pem });
    expect(await readCaBundle(path, '--ca-bundle', { ownSetting: true })).toEqual({ path, source: '--ca-bundle', pem, ownSetting: true });
  });

  it('refuses a missing file or one without a certificate, naming where it was set', async () => {
    await expect(readCaBundle(join(dir, 'missing.pem'), 'AWS_CA_BUNDLE')).rejects.toMatchObject({
      code: ErrorCodes.CA_BUNDLE_INVALID,
      message: `the CA bundle ${join(dir, 'missing.pem')} (from AWS_CA_BUNDLE) does not exist`,
    });
    const key = join(dir, 'key.pem');
    await writeFile(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    await expect(readCaBundle(key, 'ca_bundle of the AWS profile dev')).rejects.toMatchObject({
      code: ErrorCodes.CA_BUNDLE_INVALID,
      message: `the CA bundle ${key} (from ca_bundle of the AWS profile dev) holds no PEM certificate`,
    });
  });
});
