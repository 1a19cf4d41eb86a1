/**
 * Child processes in tests: one handle for a process a test starts (watch its
 * output, signal that very PID, wait for its exit), `run` for one that only
 * has to finish, and the machine's process table, for tests that stop a run
 * and must find no tool left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the last signal this handle sent to the exit. */
  msAfterSignal: number | undefined;
}

export interface StartedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches (rejects if the process exits first or the deadline passes). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Polls `check` until it is true (rejects if the process exits first or the deadline passes). */
  waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<ProcessExit>;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  uid?: number;
  gid?: number;
}

/** Starts `command` directly (no wrapping shell, so a signal reaches it and nothing else). */
export function startProcess(command: string, args: string[], options: StartOptions = {}): StartedProcess {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
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
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    notify();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  if (child.stdin) {
    // A child that exits without reading its stdin (git, uv --version, …) makes the write fail with EPIPE:
    // that is no error of the run, and unhandled it would fail the whole test run.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  }
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.on('error', reject);
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
        if (await check()) {
          resolve();
          return;
        }
        if (done) {
          reject(new Error(`${command} exited before ${what}:\n${stderr}`));
          return;
        }
        if (Date.now() > deadline) {
          reject(new Error(`timed out waiting for ${what}:\n${stderr}`));
          return;
        }
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

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and captures its output (a process killed by a signal counts as exit 1). */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  const { code, stdout, stderr } = await startProcess(command, args, { ...options, input: options.input ?? '' }).exited;
  return { code: code ?? 1, stdout, stderr };
}

interface ProcessRow {
  pid: number;
  pgid: number;
  args: string;
}

// Read from /proc (Linux, like the rest of the suite), so a CI image without `ps` works too.
function readRow(pid: number): ProcessRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Zombies wait for a parent that may never reap them (PID 1 in some sandboxes): they count as gone.
    if (state === 'Z' || state === 'X') return undefined;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, pgid: Number(pgid), args };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Running processes (not zombies). */
export function runningProcesses(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const row = readRow(Number(name));
    if (row) rows.push(row);
  }
  return rows;
}

/** Running processes of a process group. */
export function runningInGroup(pgid: number): ProcessRow[] {
  return runningProcesses().filter((row) => row.pgid === pgid);
}

/** Running processes whose command line mentions `text` (a project folder, a temp path). */
export function runningWith(text: string): ProcessRow[] {
  return runningProcesses().filter((row) => row.args.includes(text));
}
