/**
 * The real `layer` bin (packages/cli/bin/layer.js, run by this node) as a
 * child process: run to its end, or started so that a test can wait for a log
 * line or a file and send it SIGINT/SIGTERM/SIGKILL; and readers of what it
 * printed.
 */
import { layerBin } from './paths.js';
import { type ProcessExit, run, type RunResult, type StartedProcess, type StartOptions, startProcess } from './processes.js';

export type LayerExit = ProcessExit;
export type LayerProcess = StartedProcess;

/** Runs `layer …` to its end. */
export function runLayer(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [layerBin, ...args], options);
}

/** Starts `layer …` for a test to watch and signal. */
export function startLayer(args: string[], options: Omit<StartOptions, 'input'> = {}): LayerProcess {
  return startProcess(process.execPath, [layerBin, ...args], options);
}

/** Parses the single JSON object `--json` writes to stdout. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects, as with JSON.parse
export function parseJsonOutput<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** The `error: …` lines of a run's stderr. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error: '));
}
