/**
 * The real `layer` bin as a child process a test can watch and signal: wait
 * for a log line or a file, send SIGINT/SIGTERM/SIGKILL to that very PID (no
 * wrapping shell), then inspect what it printed and how it exited.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { layerBin } from './paths.js';

export interface LayerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the last signal this handle sent to the exit. */
  msAfterSignal: number | undefined;
}

export interface LayerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches (rejects if the process exits first or the deadline passes). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Polls `check` until it is true (rejects if the process exits first or the deadline passes). */
  waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<LayerExit>;
}

export function startLayer(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {}): LayerProcess {
  const child = spawn(process.execPath, [layerBin, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  let signalledAt: number | undefined;
  let done = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), notify()));
  child.stderr?.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), notify()));
  const exited = new Promise<LayerExit>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      notify();
      resolve({ code, signal, stdout, stderr, msAfterSignal: signalledAt === undefined ? undefined : Date.now() - signalledAt });
    });
  });

  const waitUntil = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = async () => {
        if (await check()) return resolve();
        if (done) return reject(new Error(`layer exited before ${what}:\n${stderr}`));
        if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}:\n${stderr}`));
        setTimeout(() => void poll(), 20);
      };
      void poll();
    });

  return {
    child,
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (pattern, timeoutMs) => waitUntil(() => pattern.test(stderr), `stderr to match ${pattern}`, timeoutMs),
    waitUntil,
    kill: (signal) => {
      signalledAt = Date.now();
      process.kill(child.pid as number, signal);
    },
    exited,
  };
}

/** The `error: …` lines of a run's stderr. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error: '));
}
