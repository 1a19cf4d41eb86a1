import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger, Redactor } from '@lambda-layer/core';

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
}

/**
 * Runs a tool as a child process. Secrets reach it only through `env`; every
 * line it prints passes the redactor before it is logged (at debug level) or kept.
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolRun> {
  const { redactor, logger } = options;
  logger.debug(`$ ${redactor.redact([command, ...args].join(' '))}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
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
    child.on('error', reject);
    child.on('close', (code) => {
      for (const rest of [pending.out, pending.err]) if (rest) emit(rest);
      resolve({ code: code ?? 1, output, stdout: redactor.redact(stdout) });
    });
  });
}

// Tool output is parsed and exported requirement files are read back, so colour
// must stay off even when the caller forces it (Nx sets FORCE_COLOR for its tasks,
// and uv then colours `uv export` output).
const FORCED_COLOUR = ['FORCE_COLOR', 'CLICOLOR_FORCE', 'UV_COLOR', 'PY_COLORS'];

function cleanEnv(env: ChildEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !FORCED_COLOUR.includes(key)) out[key] = value;
  out.NO_COLOR = '1';
  return out;
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

/** Finds an executable on PATH (the given environment's PATH, not necessarily ours). */
export async function findOnPath(name: string, env: ChildEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
