/** Runs a command as a child process and captures its output, for tests of the `layer` bin and the Python tools. */
import { type ChildProcess, spawn } from 'node:child_process';
import { layerBin } from './paths.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built `layer` bin (packages/cli/bin/layer.js) with node. */
export function runLayer(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [layerBin, ...args], options);
}

/** Parses the single JSON object `--json` writes to stdout. */
export function parseJsonOutput<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

export interface RunningLayer {
  /** The `layer` process itself (spawned directly, no shell between), for real signals. */
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when stderr matches `pattern` (at most `timeoutMs`). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit: code (null when killed by a signal) and signal, with everything printed. */
  exited: Promise<RunResult & { signal: NodeJS.Signals | null }>;
}

/** Starts the built `layer` bin without waiting for it, so a test can signal it mid-run. */
export function startLayer(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningLayer {
  const child = spawn(process.execPath, [layerBin, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watcher of [...watchers]) watcher();
  });
  const exited = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`layer did not print ${pattern} within ${timeoutMs} ms; stderr so far:\n${stderr}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(stderr)) return;
          clearTimeout(timer);
          watchers.splice(watchers.indexOf(check), 1);
          resolve();
        };
        watchers.push(check);
        void exited.then(() => {
          if (watchers.includes(check)) {
            clearTimeout(timer);
            watchers.splice(watchers.indexOf(check), 1);
            reject(new Error(`layer exited before printing ${pattern}; stderr:\n${stderr}`));
          }
        });
        check();
      }),
    exited,
  };
}
