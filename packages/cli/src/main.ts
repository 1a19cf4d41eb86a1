import { helpCacheKey, isHelpRequest, readCachedHelp, writeCachedHelp } from './help-cache.js';
import { processIO, type RunnerIO } from './runner.js';
import { CLI_VERSION } from './version.js';

// The AWS SDK warns about future Node versions on every run; that is noise in a
// CLI's output, not something a layer user can act on.
function silenceSdkNodeVersionWarning(): void {
  const original = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const name =
      typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type) : warning.name;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (name === 'NodeVersionSupportWarning' || text.includes('AWS SDK for JavaScript (v3)')) return;
    (original as (...args: unknown[]) => void)(warning, ...rest);
  };
}

/**
 * `layer --version` and `layer … --help` are answered without yargs (~50 ms
 * to load): the version from package.json, the help text from the help cache
 * (help-cache.ts), rendered by yargs itself the first time. Anything else,
 * and a help text not cached yet, goes to the yargs command line (parser.ts).
 */
async function quickAnswer(args: string[], io: RunnerIO, env: Record<string, string | undefined>): Promise<number | undefined> {
  if (args.length === 1 && args[0] === '--version') {
    io.stdout(`${CLI_VERSION}\n`);
    return 0;
  }
  if (!isHelpRequest(args)) return undefined;
  const key = helpCacheKey(args, process.stdout.columns, env);
  let text = await readCachedHelp(key, env);
  if (text === undefined) {
    const { renderHelp } = await import('./parser.js');
    text = await renderHelp(args, io);
    if (text === undefined) return undefined;
    await writeCachedHelp(key, text, env);
  }
  io.stdout(text);
  return 0;
}

/** Runs the `layer` command line and returns its exit code. */
export async function main(args: string[], io: RunnerIO = processIO): Promise<number> {
  silenceSdkNodeVersionWarning();
  const answered = await quickAnswer(args, io, process.env);
  if (answered !== undefined) return answered;
  const { runCommandLine } = await import('./parser.js');
  return runCommandLine(args, io);
}
