/**
 * A package index on loopback that shows uv only the wheels the target runtime
 * loads. uv's --python-platform names glibc 2.17 and then 2.28 and up, so for
 * Amazon Linux 2 (glibc 2.26) the nearest it offers, manylinux_2_28, would also
 * accept wheels that need glibc 2.27 or 2.28 (numpy 2.3+ for cp311), and
 * manylinux_2_17 would miss the 2_24 wheels that do load (pandas 2.3). In
 * front of the real index, this server drops every wheel whose manylinux tags
 * all need a newer glibc than the runtime's, so uv with manylinux_2_28 picks
 * exactly among the wheels that load.
 *
 * Pages go out as PEP 691 JSON with absolute file URLs. The index's
 * credentials stay in this process: uv gets none, and files on the index's own
 * host (which need them) are streamed through here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { IndexCredentials } from './index-credentials.js';
import type { MajorMinor } from './lambda-runtimes.js';
import { isGlibcAtMost, manylinuxGlibc, parseWheelName } from './platform.js';
import { fetchProjectPage, type IndexFile, indexRequest } from './simple-index.js';

export interface WheelFilterIndex {
  /** http://127.0.0.1:PORT/simple/ */
  url: string;
  /** Files left out, by project, for the log. */
  hidden: Map<string, string[]>;
  close(): Promise<void>;
}

/** Whether a file may be offered: an sdist, or a wheel with a platform tag that is not a too-new manylinux. */
export function isOfferable(fileName: string, glibc: MajorMinor): boolean {
  const wheel = parseWheelName(fileName);
  if (!wheel) return true;
  return wheel.platformTags.some((tag) => {
    const needs = manylinuxGlibc(tag);
    return needs === undefined || isGlibcAtMost(needs, glibc);
  });
}

function send(response: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

export async function startWheelFilterIndex(options: {
  indexUrl: string | undefined;
  credentials: IndexCredentials;
  glibc: MajorMinor;
}): Promise<WheelFilterIndex> {
  const hidden = new Map<string, string[]>();
  // Files served through here: id -> upstream URL (only those on the credentialed index's host).
  const proxied = new Map<string, string>();
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty username or password counts as none given
  const credentialed = Boolean(options.credentials.username || options.credentials.password) && options.credentials.indexUrl !== undefined;
  const indexOrigin = options.credentials.indexUrl ? new URL(options.credentials.indexUrl).origin : undefined;
  let base = '';

  const fileUrl = (file: IndexFile, suffix = ''): string => {
    if (!credentialed || new URL(file.url).origin !== indexOrigin) return `${file.url}${suffix}`;
    const id = String(proxied.size);
    proxied.set(id, file.url);
    return `${base}files/${id}/${encodeURIComponent(file.filename)}${suffix}`;
  };

  const servePage = async (project: string, response: ServerResponse): Promise<void> => {
    const result = await fetchProjectPage(options.indexUrl, project, options.credentials);
    if (!result.ok) {
      // Unreachable upstream answers 502, so uv reports a fetch failure and the build diagnoses it.
      send(
        response,
        result.failure.kind === 'status' ? result.failure.status : 502,
        result.failure.kind === 'status' ? `HTTP ${result.failure.status}` : result.failure.reason,
      );
      return;
    }
    const kept = result.page.files.filter((file) => isOfferable(file.filename, options.glibc));
    const dropped = result.page.files.filter((file) => !isOfferable(file.filename, options.glibc)).map((file) => file.filename);
    if (dropped.length) hidden.set(project, dropped);
    const body = {
      meta: { 'api-version': '1.1' },
      name: project,
      files: kept.map((file) => ({
        filename: file.filename,
        url: fileUrl(file),
        hashes: file.sha256 ? { sha256: file.sha256 } : {},
        ...(file.requiresPython ? { 'requires-python': file.requiresPython } : {}),
        ...(file.yanked ? { yanked: true } : {}),
        // PEP 658: the metadata sits at the file's URL + ".metadata", which fileUrl keeps.
        ...(file.hasMetadata ? { 'core-metadata': true } : {}),
      })),
    };
    send(response, 200, JSON.stringify(body), 'application/vnd.pypi.simple.v1+json');
  };

  const serveFile = async (id: string, metadata: boolean, response: ServerResponse): Promise<void> => {
    const upstream = proxied.get(id);
    if (!upstream) {
      send(response, 404, 'not found');
      return;
    }
    const answer = await indexRequest(`${upstream}${metadata ? '.metadata' : ''}`, options.credentials, { timeoutMs: 300_000 });
    if (!answer.ok) {
      send(response, 502, answer.failure.kind === 'unreachable' ? answer.failure.reason : 'upstream failed');
      return;
    }
    const { response: from } = answer;
    response.writeHead(from.status, {
      'content-type': from.headers.get('content-type') ?? 'application/octet-stream',
      ...(from.headers.get('content-length') ? { 'content-length': from.headers.get('content-length') as string } : {}),
    });
    if (!from.body) return void response.end();
    Readable.fromWeb(from.body).pipe(response);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    const file = /^\/files\/(\d+)\/[^/]+?(\.metadata)?$/.exec(path);
    let work: Promise<void>;
    if (project) work = servePage(project, response);
    else if (file) work = serveFile(file[1] as string, Boolean(file[2]), response);
    else {
      send(response, 404, 'not found');
      return;
    }
    work.catch((error: unknown) => {
      if (!response.headersSent) send(response, 502, (error as Error).message);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: `${base}simple/`,
    hidden,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
