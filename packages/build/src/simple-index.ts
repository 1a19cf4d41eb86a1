/**
 * Reads a package index the way pip and uv do: the "simple" repository API,
 * one page per project, as PEP 691 JSON when the index offers it and PEP 503
 * HTML otherwise. Used to say why an install failed (diagnose.ts), to hide
 * wheels uv must not pick (wheel-filter-index.ts) and to fetch the pinned
 * installers (installers.ts).
 *
 * Credentials come from the environment (IndexCredentials) and travel only in
 * an Authorization header, never in a URL that could be logged.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type NetworkSettings, normalizePackageName, proxyFor } from '@lambda-layer/core';
import type { Dispatcher } from 'undici';
import type { IndexCredentials } from './index-credentials.js';
import { currentRunSignal } from './run-tool.js';

/** pypi.org's simple index, the default of pip, uv and Poetry. */
export const PYPI_SIMPLE = 'https://pypi.org/simple/';

export interface IndexFile {
  filename: string;
  /** Absolute download URL, without its hash fragment. */
  url: string;
  sha256: string | undefined;
  requiresPython: string | undefined;
  yanked: boolean;
  /** The index offers the wheel's METADATA at `<url>.metadata` (PEP 658/714). */
  hasMetadata: boolean;
}

export interface ProjectPage {
  /** The page's URL. */
  url: string;
  files: IndexFile[];
}

/** Why an index did not answer with a page. */
export type IndexFailure = { kind: 'unreachable'; reason: string } | { kind: 'status'; status: number };

export type ProjectPageResult = { ok: true; page: ProjectPage } | { ok: false; failure: IndexFailure };

const ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const DEFAULT_TIMEOUT_MS = 15_000;

/** `https://pkgs.example.com/simple/` with exactly one trailing slash. */
export function indexBase(indexUrl: string | undefined): string {
  return `${(indexUrl ?? PYPI_SIMPLE).replace(/\/+$/, '')}/`;
}

/** The URL of a project's page on an index. */
export function projectPageUrl(indexUrl: string | undefined, name: string): string {
  return `${indexBase(indexUrl)}${normalizePackageName(name)}/`;
}

/** The Authorization header for a URL on the credentials' index (and only there). */
export function authHeaders(url: string, credentials: IndexCredentials): Record<string, string> {
  if (!(credentials.username || credentials.password) || !credentials.indexUrl) return {};
  if (new URL(url).origin !== new URL(credentials.indexUrl).origin) return {};
  return { authorization: `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}` };
}

/** A network error in words: "connection refused", "unknown host pkgs.example.com", "no answer within 15 s". */
export function describeNetworkError(error: unknown, url: string, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.cause?.name === 'ConnectTimeoutError')
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const code = err.cause?.code;
  const host = new URL(url).host;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return `unknown host ${new URL(url).hostname}`;
    case 'EAI_AGAIN':
      return `DNS lookup of ${new URL(url).hostname} failed`;
    case 'ECONNRESET':
      return `connection reset by ${host}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 1000)} s`;
    default:
      if (code && /CERT|SSL|TLS/.test(code)) return `TLS error (${code})`;
      return code ?? err.cause?.message ?? err.message ?? 'request failed';
  }
}

/**
 * The network (proxy, NO_PROXY, CA bundle) of the run a request belongs to.
 * Index requests start at many depths (the pinned installers, diagnosis,
 * sdist checks, the wheel filter), so like the run's signal in run-tool.ts it
 * travels with the async context rather than through every call.
 */
const runNetwork = new AsyncLocalStorage<NetworkSettings | undefined>();

/** Runs `work` so that every index request it makes goes through `network`. */
export function withIndexNetwork<T>(network: NetworkSettings | undefined, work: () => Promise<T>): Promise<T> {
  return runNetwork.run(network, work);
}

const dispatchers = new WeakMap<NetworkSettings, Dispatcher>();

/**
 * The undici dispatcher of a network: per origin, the proxy that core's
 * `proxyFor` chooses (NO_PROXY by curl's rules, as for the AWS clients) or a
 * direct pool, each trusting the CA bundle when there is one. Node's own fetch
 * reads no proxy variable at all, hence undici's fetch and ProxyAgent (http://
 * origins as absolute-URI requests, https:// through a CONNECT tunnel).
 */
function dispatcherFor(network: NetworkSettings | undefined, { Agent, Pool, ProxyAgent }: typeof import('undici')): Dispatcher | undefined {
  if (!network || (!network.proxy?.https && !network.proxy?.http && !network.caBundle)) return undefined;
  let dispatcher = dispatchers.get(network);
  if (!dispatcher) {
    const ca = network.caBundle?.pem;
    const proxies = new Map<string, Dispatcher>();
    dispatcher = new Agent({
      ...(ca ? { connect: { ca } } : {}),
      factory: (origin, options) => {
        const proxy = proxyFor(new URL(String(origin)), network);
        if (!proxy) return new Pool(origin, options);
        let agent = proxies.get(proxy);
        if (!agent) {
          agent = new ProxyAgent({ uri: proxy, proxyTunnel: false, ...(ca ? { requestTls: { ca }, proxyTls: { ca } } : {}) });
          proxies.set(proxy, agent);
        }
        return agent;
      },
    });
    dispatchers.set(network, dispatcher);
  }
  return dispatcher;
}

/**
 * GET with the index's credentials and a deadline; a network failure is returned, not thrown.
 * The run's signal ends it too: a held download (an sdist, a pinned installer) must not outlast Ctrl-C.
 */
export async function indexRequest(
  url: string,
  credentials: IndexCredentials,
  options: { accept?: string; timeoutMs?: number } = {},
): Promise<{ ok: true; response: Response } | { ok: false; failure: IndexFailure }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    // Loaded on first use (~60 ms): what imports this package for its lock readers never pays for it.
    const undici = await import('undici');
    const dispatcher = dispatcherFor(runNetwork.getStore(), undici);
    const run = currentRunSignal();
    const response = await undici.fetch(url, {
      headers: { ...(options.accept ? { accept: options.accept } : {}), ...authHeaders(url, credentials) },
      signal: run ? AbortSignal.any([run, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { ok: true, response: response as unknown as Response };
  } catch (error) {
    return { ok: false, failure: { kind: 'unreachable', reason: describeNetworkError(error, url, timeoutMs) } };
  }
}

/** A project's files on the index, or why there is no page. */
export async function fetchProjectPage(
  indexUrl: string | undefined,
  name: string,
  credentials: IndexCredentials,
  options: { timeoutMs?: number } = {},
): Promise<ProjectPageResult> {
  const url = projectPageUrl(indexUrl, name);
  const answer = await indexRequest(url, credentials, { accept: ACCEPT, ...options });
  if (!answer.ok) return answer;
  const { response } = answer;
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, failure: { kind: 'status', status: response.status } };
  }
  const pageUrl = response.url || url;
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const files = type.includes('json') ? parseJsonPage(text, pageUrl) : parseHtmlPage(text, pageUrl);
  return { ok: true, page: { url: pageUrl, files } };
}

function absolute(href: string, base: string): { url: string; fragment: string } {
  const resolved = new URL(href, base);
  const fragment = resolved.hash.replace(/^#/, '');
  resolved.hash = '';
  return { url: resolved.href, fragment };
}

/** PEP 691: `{"files": [{"filename", "url", "hashes": {"sha256"}, "requires-python", "yanked", "core-metadata"}]}`. */
export function parseJsonPage(text: string, pageUrl: string): IndexFile[] {
  const data = JSON.parse(text) as { files?: Array<Record<string, unknown>> };
  return (data.files ?? []).map((file) => {
    const { url } = absolute(String(file.url), pageUrl);
    const hashes = (file.hashes ?? {}) as Record<string, string>;
    const metadata = file['core-metadata'] ?? file['dist-info-metadata'];
    return {
      filename: String(file.filename),
      url,
      sha256: hashes.sha256,
      requiresPython: typeof file['requires-python'] === 'string' && file['requires-python'] ? file['requires-python'] : undefined,
      yanked: Boolean(file.yanked),
      hasMetadata: Boolean(metadata),
    };
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'" };
function unescapeHtml(text: string): string {
  return text.replace(
    /&(#?\w+);/g,
    (whole, name: string) => ENTITIES[name] ?? (/^#\d+$/.test(name) ? String.fromCharCode(Number(name.slice(1))) : whole),
  );
}

/**
 * PEP 503: one `<a href="…#sha256=…" data-requires-python="…" data-yanked>file</a>`
 * per file. Read with a pattern, not an HTML parser: the format is these anchors
 * and nothing else, and the attributes are all that is needed.
 */
export function parseHtmlPage(text: string, pageUrl: string): IndexFile[] {
  const files: IndexFile[] = [];
  for (const match of text.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const attributes = new Map<string, string>();
    for (const attr of (match[1] as string).matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
      attributes.set((attr[1] as string).toLowerCase(), unescapeHtml(attr[2] ?? attr[3] ?? attr[4] ?? ''));
    }
    const href = attributes.get('href');
    if (!href) continue;
    const { url, fragment } = absolute(href, pageUrl);
    const filename = unescapeHtml((match[2] as string).trim()) || decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    files.push({
      filename,
      url,
      sha256: /^sha256=([0-9a-f]+)$/i.exec(fragment)?.[1],
      // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty data-requires-python counts as none
      requiresPython: attributes.get('data-requires-python') || undefined,
      yanked: attributes.has('data-yanked'),
      hasMetadata: attributes.has('data-core-metadata') || attributes.has('data-dist-info-metadata'),
    });
  }
  return files;
}
