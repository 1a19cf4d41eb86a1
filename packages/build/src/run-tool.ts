import { AsyncLocalStorage } from 'node:async_hooks';
import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { errnoName, ErrorCodes, fullestOf, LayerError, type Logger, toLayerErrorFromSystem } from '@lambda-layer/core';
import type { Redactor } from './redact.js';

export type ChildEnv = Record<string, string | undefined>;

export interface ToolRun {
  code: number;
  /** stdout and stderr interleaved, redacted. */
  output: string;
  /** stdout alone, redacted (for commands whose output is data, like an export). */
  stdout: string;
}

export interface RunToolOptions {
  cwd?: string;
  env: ChildEnv;
  redactor: Redactor;
  logger: Logger;
  /** Called with each redacted output line (progress counting). */
  onLine?: (line: string) => void;
  /** Keep stdout out of the log (it is data, e.g. an exported requirements file). */
  quietStdout?: boolean;
  /** Stops the tool (default: the signal of the enclosing `withToolSignal`). */
  signal?: AbortSignal;
}

/** How long a tool gets to exit after SIGTERM before it is killed. */
export const TERMINATE_GRACE_MS = 1000;

/**
 * The signal of the run a tool belongs to. A build starts tools at many depths
 * (export, install, marker evaluation, sdist builds, version probes); every one
 * must die with the run, so the run's signal travels with its async context
 * instead of through each call site, where one forgotten argument would leave
 * a pip running after Ctrl-C.
 */
const runSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** Runs `work` so that every tool it starts stops when `signal` fires. */
export function withToolSignal<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  return runSignal.run(signal, work);
}

/** The signal of the run this code belongs to: the index requests stop with it too (simple-index.ts). */
export function currentRunSignal(): AbortSignal | undefined {
  return runSignal.getStore();
}

// Tools run in their own process group (so pip's own children die with it);
// when this process exits, however it exits, none may outlive it.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Signals the tool's whole group: its own children may outlive it (a build backend pip started) and hold the output pipes. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || !liveChildren.has(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const live of liveChildren) killGroup(live, 'SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('close', () => liveChildren.delete(child));
}

/**
 * Runs a tool as a child process. Secrets reach it only through `env`; every
 * line it prints passes the redactor before it is logged (at debug level) or kept.
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolRun> {
  const { redactor, logger } = options;
  const signal = options.signal ?? currentRunSignal();
  // The abort reason is an Error: an InterruptReason, or the AbortError a bare abort() gives.
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  logger.debug(`$ ${redactor.redact([command, ...args].join(' '))}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child);
    // Stop: SIGTERM to the whole group, SIGKILL after a short grace; settle once it has exited, so nothing writes after.
    const stop = () => {
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), TERMINATE_GRACE_MS).unref();
    };
    signal?.addEventListener('abort', stop, { once: true });
    let output = '';
    let stdout = '';
    const pending = { out: '', err: '' };
    const emit = (line: string) => {
      const clean = redactor.redact(line);
      output += `${clean}\n`;
      logger.debug(`  | ${clean}`);
      options.onLine?.(clean);
    };
    const feed = (which: 'out' | 'err', chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (which === 'out') stdout += text;
      if (which === 'out' && options.quietStdout) return;
      const lines = (pending[which] + text).split(/\r?\n/);
      pending[which] = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    child.stdout.on('data', (chunk: Buffer) => feed('out', chunk));
    child.stderr.on('data', (chunk: Buffer) => feed('err', chunk));
    child.on('error', (error) => {
      signal?.removeEventListener('abort', stop);
      reject(toLayerErrorFromSystem(error, { path: command, doing: `run ${command}` }) ?? error);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      for (const rest of [pending.out, pending.err]) if (rest) emit(rest);
      resolve({ code: code ?? 1, output, stdout: redactor.redact(stdout) });
    });
  });
}

// Tool output is parsed (uv's ` + name==version` lines, pip's errors), so colour
// must stay off even when the caller forces it (Nx sets FORCE_COLOR for its tasks,
// and uv then colours its output).
const FORCED_COLOUR = ['FORCE_COLOR', 'CLICOLOR_FORCE', 'UV_COLOR', 'PY_COLORS'];

function cleanEnv(env: ChildEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !FORCED_COLOUR.includes(key)) out[key] = value;
  out.NO_COLOR = '1';
  return out;
}

/**
 * The file-system errors that end an install whatever else happened: a tool's
 * output mentions other errnos on the way (a refused connection it retried, a
 * file it looked for and did without), which are not the cause.
 */
const FATAL_FILE_SYSTEM_ERRORS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EMFILE',
  'ENFILE',
  'EISDIR',
  'ENOTDIR',
  'ENAMETOOLONG',
  'EIO',
]);

/** A file-system error a tool reports: Python's "[Errno 28] No space left on device: '/p'", Rust's "(os error 28)". */
export function findSystemErrorInOutput(output: string): { code: string; path?: string } | undefined {
  const found = [
    ...[...output.matchAll(/\[Errno (\d+)\][^\n:']*(?::\s*'([^'\n]+)')?/g)].map((match) => ({ errno: Number(match[1]), path: match[2] })),
    ...[...output.matchAll(/\(os error (\d+)\)/g)].map((match) => ({ errno: Number(match[1]), path: undefined })),
  ];
  for (const { errno, path } of found) {
    const code = errnoName(errno);
    if (code && FATAL_FILE_SYSTEM_ERRORS.has(code)) return { code, ...(path ? { path } : {}) };
  }
  return undefined;
}

/** The line naming a Python exception at the end of a traceback ("OSError: …"), if the output holds one. */
function pythonExceptionLine(output: string): string | undefined {
  if (!output.includes('Traceback (most recent call last)')) return undefined;
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.reverse().find((line) => /^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b(:|$)/.test(line));
}

/**
 * One line for a tool that failed: an OS error it reports (a full disk, a
 * denied path) in the same words as our own; the exception of a Python
 * traceback instead of the traceback; else the last lines of its output.
 * `path` is where the tool was asked to write.
 */
export async function describeToolFailure(what: string, output: string, options: { path?: string; hint?: string } = {}): Promise<LayerError> {
  const system = findSystemErrorInOutput(output);
  if (system) {
    const full = system.code === 'ENOSPC' || system.code === 'EDQUOT';
    const path = full ? await fullestOf([system.path, options.path]) : (system.path ?? options.path);
    const mapped = toLayerErrorFromSystem({ code: system.code, errno: 0, syscall: 'write', ...(path ? { path } : {}) }) as LayerError;
    return new LayerError(mapped.code, `${what} failed: ${mapped.message}`, {
      ...(mapped.hint ? { hint: mapped.hint } : {}),
      details: { ...mapped.details, tool: what },
    });
  }
  const exception = pythonExceptionLine(output);
  return new LayerError(ErrorCodes.BUILD_FAILED, `${what} failed: ${exception ?? tail(output, 5)}`, {
    hint: options.hint ?? 'run again with --debug to see the full output',
  });
}

/** The last lines of a tool's output, for an error message. */
export function tail(output: string, lines = 6): string {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

/** Every executable of that name on PATH (the given environment's PATH, not necessarily ours), in PATH order. */
export async function findAllOnPath(name: string, env: ChildEnv): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if (!found.includes(candidate)) found.push(candidate);
    } catch {
      // not here
    }
  }
  return found;
}

/** Finds an executable on PATH (the given environment's PATH, not necessarily ours). */
export async function findOnPath(name: string, env: ChildEnv): Promise<string | undefined> {
  return (await findAllOnPath(name, env))[0];
}
