/**
 * The `layer` command line as yargs parses it. Loaded by main.ts only when a
 * command runs or a help text is not in the help cache yet: yargs and its
 * text layout take ~50 ms to load.
 */
import { ErrorCodes, LayerError } from '@lambda-layer/core';
import yargs, { type Argv } from 'yargs';
import { commands } from './commands/index.js';
import { globalOptions, optionsFor } from './flags.js';
import { isHelpRequest } from './help-cache.js';
import { errorOutput, EXIT_USAGE, runCommand, type RunnerIO } from './runner.js';
import { CLI_VERSION } from './version.js';

class UsageError extends Error {}

/** Whether the command line asked for JSON: read from the raw words, since a usage error means yargs could not parse them. */
function wantsJson(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--json' || arg === '--json=true');
}

export function buildParser(args: string[], io: RunnerIO, onExit: (code: number) => void): Argv {
  let parser = yargs(args)
    .scriptName('layer')
    .usage('$0 <command> [options]\n\nBuild, package, upload and publish an AWS Lambda layer of Python dependencies.')
    .option('project-dir', {
      type: 'string',
      describe: 'folder holding pyproject.toml',
      default: undefined,
      defaultDescription: 'current folder',
      requiresArg: true,
    })
    .option('json', { type: 'boolean', describe: 'print exactly one JSON object (the result) to stdout; logs go to stderr' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'print only warnings and errors' })
    .option('debug', { type: 'boolean', describe: 'print debug lines and stack traces' })
    // The AWS and network settings every command takes (core's schema), then the one AWS flag that is no setting of ours.
    .options(globalOptions())
    .option('endpoint-url', {
      type: 'string',
      describe: 'AWS endpoint URL, e.g. a local emulator (default: AWS_ENDPOINT_URL)',
      requiresArg: true,
      group: 'AWS options:',
    })
    .option('output-file', {
      type: 'string',
      describe: 'also write the result as JSON to this file (publish and workflow always write build/lambda/layer/publish-result.json)',
      requiresArg: true,
    })
    .group(['project-dir', 'json', 'output-file', 'quiet', 'debug'], 'Global options:')
    .strict()
    .demandCommand(1, 'choose a command: build, package, upload, publish, workflow, prune or iam-policy')
    .recommendCommands()
    .version(CLI_VERSION)
    .help()
    .alias('help', 'h')
    // yargs lays the help text out before every command handler it runs (~30-40 ms of string
    // widths), though a command never shows it: a usage error is one line. Only a help request wraps.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- @types/node says number; it is undefined when stdout is no terminal
    .wrap(isHelpRequest(args) ? Math.min(110, process.stdout.columns ?? 100) : null)
    .exitProcess(false)
    // Flags stay hyphenated in argv (they are the config keys); no camelCase duplicates.
    .parserConfiguration({ 'camel-case-expansion': false })
    .fail((message, error) => {
      // Throwing stops yargs before any handler runs; main() turns it into exit 2.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- yargs types both as set; it passes a null message with an error, and no error with a message
      throw new UsageError(message ?? error?.message ?? 'invalid command line');
    });

  for (const command of commands) {
    parser = parser.command(
      command.name,
      command.describe,
      (y) => {
        let withOptions = y.options({ ...optionsFor(command.name), ...command.flags });
        for (const [example, text] of command.examples ?? []) withOptions = withOptions.example(example, text);
        return withOptions;
      },
      async (argv) => {
        onExit(await runCommand(command, argv, io));
      },
    );
  }
  return parser;
}

/** Parses the command line with yargs and runs the command; returns the exit code. */
export async function runCommandLine(args: string[], io: RunnerIO): Promise<number> {
  let exitCode: number | undefined;
  const parser = buildParser(args, io, (code) => {
    exitCode ??= code;
  });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const usage = new LayerError(ErrorCodes.USAGE, error.message, { hint: 'run `layer --help` for usage' });
    io.stderr(`error: ${usage.oneLine}\n`);
    if (wantsJson(args)) io.stdout(`${JSON.stringify(errorOutput(usage))}\n`);
    return EXIT_USAGE;
  }
  return exitCode ?? 0;
}

/**
 * What yargs prints for a help request (its text and the newline its
 * console.log adds), or undefined when the command line is not one: then it
 * is run as usual. No command runs here: yargs hands the output back instead.
 */
export async function renderHelp(args: string[], io: RunnerIO): Promise<string | undefined> {
  const parser = buildParser(args, io, () => {});
  return new Promise((resolve) => {
    try {
      void parser.parse(args, {}, (error: Error | null | undefined, _argv: unknown, output: string) =>
        resolve(error || !output ? undefined : `${output}\n`),
      );
    } catch {
      // A usage error (thrown by .fail()): not a help text.
      resolve(undefined);
    }
  });
}
