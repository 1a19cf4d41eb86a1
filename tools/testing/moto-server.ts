/**
 * Starts the moto server (S3 + Lambda in one process) on a free loopback port
 * found at run time, waits until it answers, and stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { findExecutable } from './paths.js';

export interface MotoServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within ${timeoutMs} ms`);
}

export async function startMotoServer(options: { attempts?: number } = {}): Promise<MotoServer> {
  const executable = findExecutable('moto_server');
  if (!executable) throw new Error('moto_server not found: run `node tools/setup-tools.mjs` (or `pip install "moto[server]"`)');
  let lastError: unknown;
  // The port is free when chosen but another process may take it before moto binds: retry with a new one.
  for (let attempt = 0; attempt < (options.attempts ?? 3); attempt += 1) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilAnswering(endpoint, child, 30_000);
      return {
        endpoint,
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      };
    } catch (error) {
      child.kill('SIGKILL');
      lastError = new Error(`${(error as Error).message}\n${stderr}`);
    }
  }
  throw lastError;
}
