/**
 * How the tool reaches the network from a locked-down machine: an HTTP(S)
 * proxy with its NO_PROXY exceptions, and a private CA bundle. The AWS SDK for
 * JavaScript v3 reads neither HTTPS_PROXY nor AWS_CA_BUNDLE, so the settings
 * are resolved here once (the CLI's `network-settings.ts`) and applied by
 * whoever opens connections: the AWS clients (cli), the build's own index
 * requests (build), and pip, uv and Poetry through their own variables
 * (`pythonToolNetworkEnv`).
 *
 * Proxy credentials are secrets like an index password: they reach a child
 * process only through its environment, and every URL is shown without them.
 */
import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { ErrorCodes, LayerError } from './errors.js';
import { toLayerErrorFromSystem } from './system-errors.js';

export interface ProxySettings {
  /** Proxy for https:// endpoints (may hold credentials: never print it, see `displayUrl`). */
  https?: string | undefined;
  /** Proxy for http:// endpoints. */
  http?: string | undefined;
  /** Where the proxy came from, for messages: "--proxy", "LAYER_PROXY", "HTTPS_PROXY", … */
  source: string;
}

export interface CaBundle {
  /** Absolute path of the PEM file. */
  path: string;
  /** Where it was named: "--ca-bundle", "AWS_CA_BUNDLE", "ca_bundle of profile dev", … */
  source: string;
  /** The file's PEM text, read once. */
  pem: string;
  /**
   * Named by this tool's own setting (--ca-bundle, LAYER_CA_BUNDLE, `ca-bundle`):
   * it replaces the Python tools' CA variables. One from AWS_CA_BUNDLE or an AWS
   * profile (the AWS CLI's settings) only fills those the environment leaves unset.
   */
  ownSetting?: boolean;
}

export interface NetworkSettings {
  proxy?: ProxySettings | undefined;
  /** The NO_PROXY list as given (comma-separated); applies to every proxy. */
  noProxy?: string | undefined;
  caBundle?: CaBundle | undefined;
}

type Env = Record<string, string | undefined>;

function invalidProxy(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_OPTION, message, { hint });
}

/**
 * A proxy URL: http:// or https:// with a host; `proxy.corp:3128` without a
 * scheme is taken as http://, as curl does. SOCKS and PAC are not supported.
 */
export function parseProxyUrl(value: string): string {
  const text = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidProxy(`the proxy ${JSON.stringify(displayUrl(text))} is not a URL`, 'use http://HOST:PORT, e.g. http://proxy.example.com:3128');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidProxy(
      `the proxy must be an http:// or https:// URL, got ${url.protocol}`,
      'use an HTTP(S) proxy such as http://proxy.example.com:3128 (SOCKS proxies are not supported)',
    );
  }
  if (!url.hostname) throw invalidProxy(`the proxy ${JSON.stringify(displayUrl(text))} has no host`, 'use http://HOST:PORT');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalidProxy(`the proxy ${JSON.stringify(displayUrl(text))} has a path`, 'use only scheme, host and port: http://HOST:PORT');
  }
  return url.toString().replace(/\/$/, '');
}

/** A URL as it may be printed: `user:password@` becomes `****@`. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1****@');
}

/** True when a proxy URL carries a user name or password. */
export function hasProxyCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return Boolean(parsed.username || parsed.password);
  } catch {
    return false;
  }
}

/** The decoded proxy passwords, for redactors: tools may print a URL in another form. */
export function networkSecrets(settings: NetworkSettings | undefined): string[] {
  const secrets: string[] = [];
  for (const url of [settings?.proxy?.https, settings?.proxy?.http]) {
    if (!url) continue;
    const parsed = new URL(url);
    if (parsed.password) secrets.push(decodeURIComponent(parsed.password));
  }
  return secrets;
}

/** The first non-empty variable of `names`, with its name. */
function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/**
 * The proxy variables as curl, pip, uv and Poetry read them: lower case
 * first, then upper case (`https_proxy`, `HTTPS_PROXY`; `http_proxy`,
 * `HTTP_PROXY`). ALL_PROXY is not read: it usually names a SOCKS proxy.
 */
export const PROXY_VARIABLES = {
  https: ['https_proxy', 'HTTPS_PROXY'],
  http: ['http_proxy', 'HTTP_PROXY'],
  noProxy: ['no_proxy', 'NO_PROXY'],
} as const;

/**
 * The proxy settings: `configured` (the --proxy flag, LAYER_PROXY or the
 * pyproject `proxy` key: one proxy for every endpoint) wins over the
 * environment's HTTPS_PROXY / HTTP_PROXY. NO_PROXY always comes from the
 * environment. A malformed URL is a usage error naming the variable.
 */
export function resolveProxySettings(
  configured: { url: string; source: string } | undefined,
  env: Env = process.env,
): Pick<NetworkSettings, 'proxy' | 'noProxy'> {
  const noProxy = firstSet(env, PROXY_VARIABLES.noProxy)?.value;
  if (configured) return { proxy: { https: configured.url, http: configured.url, source: configured.source }, noProxy };
  const https = firstSet(env, PROXY_VARIABLES.https);
  const http = firstSet(env, PROXY_VARIABLES.http);
  if (!https && !http) return { noProxy };
  const parse = (found: { name: string; value: string } | undefined) => {
    if (!found) return undefined;
    try {
      return parseProxyUrl(found.value);
    } catch (error) {
      throw new LayerError(ErrorCodes.USAGE, `invalid ${found.name}: ${(error as LayerError).message}`, {
        hint: (error as LayerError).hint,
        details: { key: found.name },
      });
    }
  };
  const source = [https?.name, http?.name]
    .filter(Boolean)
    .filter((name, i, all) => all.indexOf(name) === i)
    .join(' and ');
  return { proxy: { https: parse(https), http: parse(http), source }, noProxy };
}

/** One NO_PROXY entry, parsed. */
interface NoProxyEntry {
  /** A host name suffix (lower case, no leading dot); empty for an address or CIDR block. */
  host: string;
  port?: number;
  /** The addresses of an IP or CIDR entry. */
  addresses?: BlockList;
}

/** `host:port`, `[v6]:port`, `10.0.0.0/8`, `.example.com`, `*.example.com`. */
function parseNoProxyEntry(raw: string): NoProxyEntry | undefined {
  let text = raw.trim().toLowerCase();
  if (!text) return undefined;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    text = bracketed[1] as string;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    const withPort = /^([^:]+):(\d+)$/.exec(text);
    if (withPort) {
      text = withPort[1] as string;
      port = Number(withPort[2]);
    }
  }
  const [address = '', prefixText] = text.split('/');
  if (isIP(address)) {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const prefix = prefixText === undefined ? undefined : Number(prefixText);
    const addresses = new BlockList();
    if (prefix === undefined) addresses.addAddress(address, family);
    else if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 'ipv6' ? 128 : 32)) addresses.addSubnet(address, prefix, family);
    else return undefined;
    return { host: '', addresses, ...(port !== undefined ? { port } : {}) };
  }
  const host = text.replace(/^\*?\.+/, '').replace(/\.$/, '');
  if (!host) return undefined;
  return { host, ...(port !== undefined ? { port } : {}) };
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * Whether NO_PROXY exempts a host, by curl's rules: `*` alone exempts every
 * host; a name matches itself and its subdomains (`example.com` and
 * `.example.com` both match `s3.example.com`, not `badexample.com`); an IP
 * address matches exactly, a CIDR block (`10.0.0.0/8`) every address in it;
 * `host:port` only that port. Names are compared without case; nothing is
 * resolved through DNS, and loopback is not exempt unless listed.
 */
export function isNoProxyHost(
  target: { hostname: string; port?: number | string | undefined; protocol: string },
  noProxy: string | undefined,
): boolean {
  if (!noProxy) return false;
  const entries = noProxy.split(/[,\s]+/);
  if (entries.some((entry) => entry.trim() === '*')) return true;
  const hostname = target.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  const port = target.port === undefined || target.port === '' ? defaultPort(target.protocol) : Number(target.port);
  const family = isIP(hostname);
  for (const raw of entries) {
    const entry = parseNoProxyEntry(raw);
    if (!entry) continue;
    if (entry.port !== undefined && entry.port !== port) continue;
    if (entry.addresses) {
      if (family && entry.addresses.check(hostname, family === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    if (hostname === entry.host || hostname.endsWith(`.${entry.host}`)) return true;
  }
  return false;
}

/** The proxy a request to `target` goes through, or undefined when it goes direct. */
export function proxyFor(
  target: { protocol: string; hostname: string; port?: number | string | undefined },
  settings: NetworkSettings | undefined,
): string | undefined {
  const proxy = target.protocol === 'https:' ? settings?.proxy?.https : settings?.proxy?.http;
  if (!proxy) return undefined;
  return isNoProxyHost(target, settings?.noProxy) ? undefined : proxy;
}

/** "through the proxy http://proxy:3128 (from HTTPS_PROXY)", for logs: never with credentials. */
export function describeNetwork(settings: NetworkSettings | undefined): string[] {
  const lines: string[] = [];
  const proxy = settings?.proxy;
  if (proxy?.https || proxy?.http) {
    const urls = [...new Set([proxy.https, proxy.http].filter((url): url is string => Boolean(url)))].map(displayUrl);
    lines.push(`proxy ${urls.join(', ')} (from ${proxy.source})${settings?.noProxy ? `, except NO_PROXY ${settings.noProxy}` : ''}`);
  }
  if (settings?.caBundle) lines.push(`CA bundle ${settings.caBundle.path} (from ${settings.caBundle.source})`);
  return lines;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Reads a CA bundle: a PEM file of one or more certificates. A missing file or
 * one without a certificate is one line naming the file and where it was named.
 */
export async function readCaBundle(path: string, source: string, options: { ownSetting?: boolean } = {}): Promise<CaBundle> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LayerError(ErrorCodes.CA_BUNDLE_INVALID, `the CA bundle ${path} (from ${source}) does not exist`, {
        hint: `point ${source} at a PEM file of CA certificates`,
        details: { path, source },
      });
    }
    throw toLayerErrorFromSystem(error, { path, doing: `read the CA bundle ${path}` }) ?? error;
  }
  if (!PEM_CERTIFICATE.test(pem)) {
    throw new LayerError(ErrorCodes.CA_BUNDLE_INVALID, `the CA bundle ${path} (from ${source}) holds no PEM certificate`, {
      hint: 'use a PEM file of CA certificates ("-----BEGIN CERTIFICATE-----" blocks), e.g. exported from the proxy or the private CA',
      details: { path, source },
    });
  }
  return { path, source, pem, ...(options.ownSetting ? { ownSetting: true } : {}) };
}

/** The variables through which pip, uv and Poetry (requests) trust a CA bundle. */
export const PYTHON_CA_VARIABLES = ['PIP_CERT', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE'] as const;

/**
 * The environment pip, uv and Poetry need for these settings, read through
 * their own variables (never argv): the proxy as HTTPS_PROXY / HTTP_PROXY in
 * both cases and NO_PROXY, and the CA bundle as PIP_CERT (pip), SSL_CERT_FILE
 * (uv, and pip 24.2+ through truststore) and REQUESTS_CA_BUNDLE (Poetry).
 * This tool's own CA setting replaces those variables; AWS_CA_BUNDLE or a
 * profile's ca_bundle fills only the ones `base` leaves unset (a CI image's
 * SSL_CERT_FILE stays what the image says).
 */
export function pythonToolNetworkEnv(settings: NetworkSettings | undefined, base: Env = {}): Env {
  const env: Env = {};
  const proxy = settings?.proxy;
  if (proxy?.https) env.HTTPS_PROXY = env.https_proxy = proxy.https;
  if (proxy?.http) env.HTTP_PROXY = env.http_proxy = proxy.http;
  if (settings?.noProxy) env.NO_PROXY = env.no_proxy = settings.noProxy;
  const ca = settings?.caBundle;
  if (ca) for (const name of PYTHON_CA_VARIABLES) if (ca.ownSetting || !base[name]) env[name] = ca.path;
  return env;
}

/** NO_PROXY with `hosts` added (for servers of our own on loopback, which no proxy can reach). */
export function withNoProxyHosts(env: Env, hosts: readonly string[]): Env {
  const current = firstSet(env, PROXY_VARIABLES.noProxy)?.value;
  const value = [current, ...hosts].filter(Boolean).join(',');
  return { ...env, NO_PROXY: value, no_proxy: value };
}
