import { resolve } from 'node:path';
import { createLogger, ErrorCodes, isLayerError, LayerError, resolveConfig } from '@lambda-layer/core';
import { createAwsClients } from './aws-clients.js';
import type { CommandContext, LayerCommand } from './command.js';
import { flagValues } from './flags.js';
import { writeResultOutputs } from './result-file.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface GlobalFlags {
  'project-dir'?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  profile?: string;
  region?: string;
  'endpoint-url'?: string;
  'output-file'?: string;
}

export interface RunnerIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}

export const processIO: RunnerIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
};

function describeUnexpected(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message.split('\n')[0]}; run again with --debug for details`;
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.stack ?? String(current));
    current = current.cause;
  }
  return parts.join('\nCaused by: ');
}

/**
 * Runs one command: resolves config, runs it, prints its result (one JSON
 * object on stdout with --json) and maps errors to exit codes: 1 for a
 * failure (one line: what is wrong and the fix), 2 for a step that is not
 * available; a stack trace only with --debug.
 */
export async function runCommand(command: LayerCommand, argv: Record<string, unknown> & GlobalFlags, io: RunnerIO = processIO): Promise<number> {
  const json = Boolean(argv.json);
  const debug = Boolean(argv.debug);
  const quiet = Boolean(argv.quiet);
  // Human logs always go to stderr, so stdout holds only the result.
  const logger = createLogger({
    printer: (line) => io.stderr(`${line}\n`),
    stream: io.stderrIsTTY ? process.stderr : { isTTY: false, write: (chunk: string) => (io.stderr(chunk), true) },
    quiet,
    verbose: debug,
  });
  try {
    const projectDir = resolve(argv['project-dir'] ?? process.cwd());
    const config = await resolveConfig({ projectDir, flags: flagValues(command.keys, argv) });
    const region = argv.region ?? config.values.region;
    const profile = argv.profile ?? config.values.profile;
    const context: CommandContext = {
      projectDir,
      json,
      quiet,
      debug,
      interactive: io.stdinIsTTY && io.stderrIsTTY,
      logger,
      config,
      aws: createAwsClients({
        ...(profile ? { profile } : {}),
        ...(region ? { region } : {}),
        ...(argv['endpoint-url'] ? { endpointUrl: argv['endpoint-url'] } : {}),
      }),
      region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      argv,
    };
    const result = await command.run(context);
    await writeResultOutputs(command.name, result, { projectDir, outputFile: argv['output-file'] });
    if (json) io.stdout(`${JSON.stringify(result)}\n`);
    else for (const line of command.summary?.(result) ?? []) io.stdout(`${line}\n`);
    return EXIT_OK;
  } catch (error) {
    const layerError = isLayerError(error) ? error : undefined;
    const line = layerError ? layerError.oneLine : describeUnexpected(error);
    logger.error(line);
    if (debug) io.stderr(`${stackOf(error)}\n`);
    if (json) {
      const payload = layerError ? layerError.toJSON() : { code: ErrorCodes.INTERNAL, message: line };
      io.stdout(`${JSON.stringify({ status: 'failed', error: payload })}\n`);
    }
    return layerError?.code === ErrorCodes.STEP_NOT_AVAILABLE ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** The error a command throws until its step is built: exit 2, never a pretend success. */
export function stepNotAvailable(step: string): LayerError {
  return new LayerError(ErrorCodes.STEP_NOT_AVAILABLE, `the ${step} step is not available in this version of layer`, {
    hint: 'upgrade @lambda-layer/cli',
  });
}
