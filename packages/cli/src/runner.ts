import { writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  commandConfigKeys,
  type ConfigKey,
  configuredRegions,
  createLogger,
  describeNetwork,
  ErrorCodes,
  exitCodeForSignal,
  interruptedError,
  type InterruptSignal,
  interruptSignalOf,
  isSystemError,
  LayerError,
  listenForInterrupts,
  type Logger,
  resolveConfig,
  type SignalSource,
  throwIfInterrupted,
  toLayerErrorFromSystem,
} from '@lambda-layer/core';
import { checkEndpointUrl, createAwsClients } from './aws-clients.js';
import type { CommandContext, LayerCommand } from './command.js';
import { flagValues, GLOBAL_CONFIG_KEYS } from './flags.js';
import { resolveNetworkSettings, resolveProxyConfig, resolveS3ObjectSettings } from './network-settings.js';
import { toOneLineError } from './one-line-error.js';
import { writeResultOutputs } from './result-file.js';

export { toOneLineError };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors that mean "the command line asks for something impossible": exit 2, like an unknown flag. */
const USAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.USAGE,
  ErrorCodes.CONFIG_MISSING_VALUE,
  ErrorCodes.TOOL_AMBIGUOUS,
  ErrorCodes.PROJECT_DIR_NOT_FOUND,
  ErrorCodes.AWS_PROFILE_NOT_FOUND,
]);

export interface GlobalFlags {
  'project-dir'?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  profile?: string;
  region?: string | string[];
  'endpoint-url'?: string;
  'output-file'?: string;
}

export interface RunnerIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Writes that must land before the process exits at once (a second Ctrl-C). Default: `stdout` / `stderr`. */
  stdoutNow?: (text: string) => void;
  stderrNow?: (text: string) => void;
  /** Where SIGINT and SIGTERM come from (default: the process). */
  signals?: SignalSource;
  /** Quits at once with a code (default: process.exit). */
  exit?: (code: number) => void;
  /** Called with the exit code once the run is over, before its signal handlers go. */
  afterRun?: (exitCode: number) => void;
}

/** The IO of the `layer` process itself (the bin): real streams, real signals, process.exit. */
export const processIO: RunnerIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- @types/node says boolean; isTTY is undefined when stdin is no terminal
  stdinIsTTY: Boolean(process.stdin.isTTY),
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- @types/node says boolean; isTTY is undefined when stderr is no terminal
  stderrIsTTY: Boolean(process.stderr.isTTY),
  // Synchronous: process.exit() follows, and a pending async write would be lost.
  stdoutNow: (text) => void writeSync(1, text),
  stderrNow: (text) => void writeSync(2, text),
  signals: process,
  exit: (code) => process.exit(code),
  // The run is over and has said so. Without a listener a signal while Node winds down would kill the
  // process with the default action (no exit code of ours); this one ends it now, with the run's code.
  afterRun: (exitCode) => {
    const quit = () => process.exit(exitCode);
    process.once('SIGINT', quit).once('SIGTERM', quit);
  },
};

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.stack ?? String(current));
    current = current.cause;
  }
  return parts.join('\nCaused by: ');
}

/** 1 for a failure, 2 for a usage error, 128 + the signal's number for an interruption. */
export function exitCodeFor(error: LayerError): number {
  if (error.code === ErrorCodes.INTERRUPTED) return exitCodeForSignal((error.details.signal as InterruptSignal | undefined) ?? 'SIGINT');
  return USAGE_ERROR_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/**
 * What `--json` prints for an error: `{"status": "error" | "interrupted",
 * "error": {code, message, hint}}`, plus `result` when the command achieved
 * part of its work (the regions that published, a version published before
 * its clean-up failed).
 */
export function errorOutput(error: LayerError): { status: 'error' | 'interrupted'; error: ReturnType<LayerError['toJSON']>; result?: unknown } {
  return {
    status: error.code === ErrorCodes.INTERRUPTED ? 'interrupted' : 'error',
    error: error.toJSON(),
    ...(error.result !== undefined ? { result: error.result } : {}),
  };
}

/** The project folder: it must exist and be a folder (it is named by --project-dir or is the current one). */
async function checkProjectDir(flag: string | undefined): Promise<string> {
  const projectDir = resolve(flag ?? process.cwd());
  const info = await stat(projectDir).catch((error: unknown) => {
    if (isSystemError(error) && error.code === 'ENOENT') return undefined;
    throw toLayerErrorFromSystem(error, { path: projectDir }) ?? error;
  });
  if (!info?.isDirectory()) {
    throw new LayerError(
      ErrorCodes.PROJECT_DIR_NOT_FOUND,
      `the project folder ${projectDir} ${info ? 'is a file, not a folder' : 'does not exist'}`,
      {
        hint: 'pass --project-dir with the folder that holds pyproject.toml',
        details: { path: projectDir },
      },
    );
  }
  return projectDir;
}

/**
 * Runs one command: resolves and checks its settings, runs it with a signal
 * wired to SIGINT/SIGTERM, prints its result (one JSON object on stdout with
 * --json) and maps every outcome to an exit code: 0, 1 (a failure: one line,
 * what is wrong and the fix), 2 (a usage error), 130/143 (interrupted: one
 * line saying what state the step left). A stack trace only with --debug.
 */
export async function runCommand(command: LayerCommand, argv: Record<string, unknown> & GlobalFlags, io: RunnerIO = processIO): Promise<number> {
  const flags = { json: Boolean(argv.json), debug: Boolean(argv.debug), quiet: Boolean(argv.quiet) };
  // Human logs always go to stderr, so stdout holds only the result.
  const logger = createLogger({
    printer: (line) => io.stderr(`${line}\n`),
    stream: io.stderrIsTTY ? process.stderr : { isTTY: false, write: (chunk: string) => (io.stderr(chunk), true) },
    quiet: flags.quiet,
    verbose: flags.debug,
  });
  // After a second signal the run has quit (or, with an injected `exit`, is quitting): nothing more is printed.
  let quit = false;
  const interrupts = listenForInterrupts({
    ...(io.signals ? { source: io.signals } : {}),
    onFirst: (signal) => logger.warn(`${signal}: stopping \`layer ${command.name}\` (send it again to quit at once)`),
    onSecond: (signal) => {
      quit = true;
      quitNow(signal, command, { io, json: flags.json });
    },
  });
  let exitCode = EXIT_FAILURE;
  try {
    exitCode = await execute(command, argv, { io, logger, ...flags, signal: interrupts.signal, hasQuit: () => quit });
    return exitCode;
  } finally {
    // The after-run handlers go in before the run's own come out: no moment without a listener.
    io.afterRun?.(exitCode);
    interrupts.dispose();
  }
}

interface RunState {
  io: RunnerIO;
  logger: Logger;
  json: boolean;
  debug: boolean;
  quiet: boolean;
  signal: AbortSignal;
  hasQuit(): boolean;
}

/** Checks the settings, runs the command and prints its outcome; returns the exit code. */
async function execute(command: LayerCommand, argv: Record<string, unknown> & GlobalFlags, run: RunState): Promise<number> {
  const { io, logger, json, debug, quiet, signal } = run;
  let projectDir: string | undefined;
  try {
    projectDir = await checkProjectDir(argv['project-dir']);
    if (argv['endpoint-url'] !== undefined) checkEndpointUrl(argv['endpoint-url'], '--endpoint-url');
    // The global AWS and network flags are config keys too: checked by the same rules as every other setting
    // (a repeated --region arrives as a list, once as a string: both are read as a list).
    const globalFlags: Partial<Record<ConfigKey, unknown>> = flagValues(GLOBAL_CONFIG_KEYS, argv);
    const config = await resolveConfig({ projectDir, flags: { ...flagValues(commandConfigKeys(command.name), argv), ...globalFlags } });
    for (const notice of config.notices) logger.warn(notice);
    const regions = configuredRegions(config);
    const region = regions.length === 1 ? regions[0] : undefined;
    const { profile } = config.values;
    const s3Objects = resolveS3ObjectSettings(config);
    // The proxy settings are checked now (a bad one is a usage error before any step); the CA bundle is read on first use.
    resolveProxyConfig(config);
    // Read when first needed (an AWS client, a build): a CA bundle `layer package` never uses cannot fail it.
    let network: ReturnType<typeof resolveNetworkSettings> | undefined;
    const networkSettings = () =>
      (network ??= resolveNetworkSettings(config, { projectDir: projectDir as string, profile }).then((settings) => {
        for (const line of describeNetwork(settings)) logger.debug(`network: ${line}`);
        return settings;
      }));
    // One client set per region, each with the same profile, endpoint, network (proxy, CA bundle)
    // and S3 object settings (encryption, bucket owner): a region's writes are as guarded as the default's.
    const awsFor = (name: string | undefined) =>
      createAwsClients({
        ...(profile ? { profile } : {}),
        ...(name ? { region: name } : {}),
        ...(argv['endpoint-url'] ? { endpointUrl: argv['endpoint-url'] } : {}),
        network: networkSettings,
        s3Objects,
      });
    const context: CommandContext = {
      projectDir,
      json,
      quiet,
      debug,
      interactive: io.stdinIsTTY && io.stderrIsTTY,
      logger,
      config,
      aws: awsFor(region),
      network: networkSettings,
      s3Objects,
      region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      regions,
      awsFor,
      signal,
      argv,
    };
    throwIfInterrupted(signal, 'nothing was started');
    const result = await command.run(context);
    if (run.hasQuit()) return exitCodeForSignal(interruptSignalOf(signal) ?? 'SIGINT');
    await writeResultOutputs(command.name, result, { projectDir, outputFile: argv['output-file'] });
    if (json) io.stdout(`${JSON.stringify(result)}\n`);
    else for (const line of command.summary?.(result) ?? []) io.stdout(`${line}\n`);
    return EXIT_OK;
  } catch (error) {
    const oneLine = toOneLineError(error, signal);
    if (run.hasQuit()) return exitCodeFor(oneLine);
    // What the command achieved before failing (versions published, regions done) still reaches later CI steps.
    const partial = oneLine.result;
    if (partial !== undefined && projectDir !== undefined && oneLine.code !== ErrorCodes.INTERRUPTED) {
      await writeResultOutputs(command.name, partial, { projectDir, outputFile: argv['output-file'] }).catch((failure: unknown) =>
        logger.warn(`the partial result was not written: ${failure instanceof Error ? failure.message : String(failure)}`),
      );
    }
    return reportError(oneLine, { io, json, debug, logger, original: error });
  }
}

function reportError(error: LayerError, options: { io: RunnerIO; json: boolean; debug: boolean; logger: Logger; original: unknown }): number {
  const { io } = options;
  if (options.debug) io.stderr(`${stackOf(options.original)}\n`);
  if (error.code === ErrorCodes.INTERRUPTED) {
    // Written synchronously: the bin exits at once after an interruption, without waiting for work
    // that cannot be cancelled (deflate jobs already on the thread pool) to drain.
    (io.stderrNow ?? io.stderr)(`error: ${error.oneLine}\n`);
    if (options.json) (io.stdoutNow ?? io.stdout)(`${JSON.stringify(errorOutput(error))}\n`);
  } else {
    options.logger.error(error.oneLine);
    if (options.json) io.stdout(`${JSON.stringify(errorOutput(error))}\n`);
  }
  return exitCodeFor(error);
}

/**
 * A second Ctrl-C: the person will not wait for the step to stop cleanly.
 * Quit now, with the same exit code and (with --json) still one JSON object.
 * Every step writes through temporary names and records completion last, so
 * what it leaves is either the previous state or debris its next run removes.
 */
function quitNow(signal: InterruptSignal, command: LayerCommand, options: { io: RunnerIO; json: boolean }): void {
  const { io } = options;
  const error = interruptedError(
    signal,
    `quit at once; nothing unfinished is used, and the next \`layer ${command.name}\` removes what this run left`,
    `run \`layer ${command.name}\` again`,
    { state: 'quit at once' },
    { again: true },
  );
  (io.stderrNow ?? io.stderr)(`error: ${error.oneLine}\n`);
  if (options.json) (io.stdoutNow ?? io.stdout)(`${JSON.stringify(errorOutput(error))}\n`);
  (io.exit ?? ((code: number) => process.exit(code)))(exitCodeFor(error));
}
