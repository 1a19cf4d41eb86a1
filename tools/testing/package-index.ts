/**
 * A PEP 503 "simple" package index on loopback, serving real wheels from a
 * folder (by default .cache/wheels), so pip, uv and Poetry tests never reach a
 * remote index. Optional HTTP basic auth stands in for a private index.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * An index URL on a loopback port nothing listens on (connection refused). Port 1023: below the
 * ephemeral range, so no test server (they all listen on port 0) can take it meanwhile, as another
 * worker may take a freed ephemeral port; and not on fetch's list of blocked ports.
 */
export const UNREACHABLE_INDEX_URL = 'http://127.0.0.1:1023/simple/';

export interface PackageIndexOptions {
  /** Folders of .whl / .tar.gz files; the first holding a file name wins. */
  dirs: string[];
  auth?: { username: string; password: string };
  /**
   * Never answer a download (a wheel or sdist file) until the index closes:
   * a tool that asked for one is provably in the middle of its install, the
   * moment a test interrupts it.
   */
  holdDownloads?: boolean;
}

export interface PackageIndex {
  /** http://127.0.0.1:PORT/simple/ */
  url: string;
  port: number;
  /** Every request path, for tests that check what was fetched. */
  requests: string[];
  /** The first file a tool asked to download. */
  firstDownload: Promise<string>;
  close(): Promise<void>;
}

/** PEP 503 name normalisation. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The project name of a wheel or sdist file name. */
export function projectOfFile(fileName: string): string | undefined {
  if (fileName.endsWith('.whl')) return fileName.split('-')[0];
  const sdist = /^(.+)-[0-9][^-]*\.(tar\.gz|zip)$/.exec(fileName);
  return sdist?.[1];
}

interface IndexedFile {
  fileName: string;
  path: string;
  sha256: string;
}

async function indexFiles(dirs: string[]): Promise<Map<string, IndexedFile[]>> {
  const projects = new Map<string, IndexedFile[]>();
  const seen = new Set<string>();
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const fileName of names.sort()) {
      const project = projectOfFile(fileName);
      if (!project || seen.has(fileName)) continue;
      seen.add(fileName);
      const path = join(dir, fileName);
      const sha256 = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      const key = normalizeProjectName(project);
      projects.set(key, [...(projects.get(key) ?? []), { fileName, path, sha256 }]);
    }
  }
  return projects;
}

function authorized(request: IncomingMessage, auth: PackageIndexOptions['auth']): boolean {
  if (!auth) return true;
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const [username, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  return username === auth.username && rest.join(':') === auth.password;
}

function html(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(`<!DOCTYPE html>\n<html><body>\n${body}\n</body></html>\n`);
}

export async function startPackageIndex(options: PackageIndexOptions): Promise<PackageIndex> {
  const projects = await indexFiles(options.dirs);
  const files = new Map([...projects.values()].flat().map((file) => [file.fileName, file]));
  const requests: string[] = [];
  let downloadRequested: (fileName: string) => void = () => {};
  const firstDownload = new Promise<string>((resolve) => (downloadRequested = resolve));

  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    if (!authorized(request, options.auth)) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="test-index"' });
      response.end('unauthorized\n');
      return;
    }
    if (path === '/simple/' || path === '/simple') {
      html(
        response,
        [...projects.keys()]
          .sort()
          .map((name) => `<a href="/simple/${name}/">${name}</a><br/>`)
          .join('\n'),
      );
      return;
    }
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (project) {
      const entries = projects.get(normalizeProjectName(project));
      if (!entries) {
        response.writeHead(404).end('not found\n');
        return;
      }
      html(response, entries.map((f) => `<a href="/files/${f.fileName}#sha256=${f.sha256}">${f.fileName}</a><br/>`).join('\n'));
      return;
    }
    const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
    const entry = file ? files.get(file) : undefined;
    if (entry) {
      downloadRequested(entry.fileName);
      if (options.holdDownloads) return;
      void stat(entry.path).then((info) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
        createReadStream(entry.path).pipe(response);
      });
      return;
    }
    response.writeHead(404).end('not found\n');
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    port,
    requests,
    firstDownload,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Held downloads (and idle keep-alive connections) would keep the server open.
        server.closeAllConnections();
      }),
  };
}
