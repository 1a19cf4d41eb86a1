/**
 * The logger every step writes through. Human logs go to one printer (stderr
 * by default, so `--json` can own stdout); `quiet` keeps only warnings and
 * errors, `verbose` adds debug lines. Steps are logged by their number and
 * name ("Step 1.2 - Validate layer.zip consistency with manifest") so a user
 * can follow the original design's workflow in the output; the numbers come
 * from each command's one step plan (step.ts).
 */

export type Printer = (line: string) => void;

export interface LoggerOptions {
  printer?: Printer;
  quiet?: boolean;
  verbose?: boolean;
  /** Where progress bars draw; absent or not a TTY means plain lines. */
  stream?: NodeJS.WriteStream | { isTTY?: boolean; columns?: number; write(chunk: string): boolean };
  /** Applied to every line, e.g. a `Redactor` for private-index passwords. */
  redact?: (text: string) => string;
}

export interface Progress {
  /** Moves the bar to `done` units (bytes or files). */
  update(done: number): void;
  finish(summary?: string): void;
}

export interface Logger {
  info(message: string): void;
  /**
   * A numbered step of a command: `Step 1.2 - Validate …`. Commands call it
   * through `StepLog` (step.ts), which numbers the headers from their plan.
   * `label` is `Step` but for the workflow (`Workflow step 2.1 - layer build`),
   * whose steps print their own `Step N` headers inside its own.
   */
  step(number: string, title: string, label?: string): void;
  /** Indented detail below a step. */
  detail(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** A bar on a terminal, a few plain lines elsewhere. */
  progress(label: string, total: number, unit: 'bytes' | 'files'): Progress;
  /** A logger whose lines are also redacted by `redact`. */
  withRedaction(redact: (text: string) => string): Logger;
  /**
   * A logger whose every line starts with `prefix` (`[eu-west-1] `), for work
   * that runs beside other work; its progress shows as plain lines, since
   * bars of parallel work would draw over each other.
   */
  withPrefix(prefix: string): Logger;
}

/**
 * A size in binary units, named as such (1 KiB = 1024 B): the units Lambda's
 * limits really are in ("250 MB" unzipped is 262,144,000 bytes, 250 MiB).
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

const defaultPrinter: Printer = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = options.redact ?? ((text: string) => text);
  const print: Printer = (line) => (options.printer ?? defaultPrinter)(redact(line));
  const stream = options.stream ?? (options.printer ? undefined : process.stderr);
  const quiet = options.quiet ?? false;

  // A progress bar written by hand: it must share the logger's quiet mode,
  // redaction and stream, and fall back to plain lines without a TTY; the bar
  // libraries handle only the drawing, which is a few lines here.
  const progress = (label: string, total: number, unit: 'bytes' | 'files'): Progress => {
    const started = Date.now();
    const show = (n: number) => (unit === 'bytes' ? formatBytes(n) : `${n} files`);
    if (quiet) return { update: () => {}, finish: () => {} };
    if (stream?.isTTY) {
      let lastDraw = 0;
      const draw = (done: number, final = false) => {
        const now = Date.now();
        if (!final && now - lastDraw < 100) return;
        lastDraw = now;
        const ratio = total > 0 ? Math.min(1, done / total) : 1;
        const width = 24;
        const filled = Math.round(ratio * width);
        const elapsed = (now - started) / 1000;
        const rate = elapsed > 0 ? done / elapsed : 0;
        const left = rate > 0 ? (total - done) / rate : Infinity;
        const rateText = unit === 'bytes' ? `${formatBytes(rate)}/s` : `${Math.round(rate)} files/s`;
        const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${show(done)}/${show(total)} ${rateText} ${final ? '' : `eta ${formatDuration(left)}`}`;
        stream.write(`\r${redact(line).slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      };
      return {
        update: (done) => draw(done),
        finish: (summary) => {
          draw(total, true);
          stream.write('\n');
          if (summary) print(`  ${summary}`);
        },
      };
    }
    // No terminal (CI): a line at each quarter, so logs stay short.
    let nextQuarter = 1;
    return {
      update: (done) => {
        if (total <= 0 || done >= total) return; // the finish line reports completion
        const quarter = Math.floor((done / total) * 4);
        if (quarter < nextQuarter) return;
        // One line even when a jump passes several quarters.
        print(`  ${label}: ${quarter * 25}% (${show(done)} of ${show(total)})`);
        nextQuarter = quarter + 1;
      },
      finish: (summary) => {
        const elapsed = (Date.now() - started) / 1000;
        print(`  ${label}: done, ${show(total)} in ${elapsed.toFixed(1)}s${summary ? ` - ${summary}` : ''}`);
      },
    };
  };

  const logger: Logger = {
    info: (message) => !quiet && print(message),
    step: (number, title, label = 'Step') => !quiet && print(`${label} ${number} - ${title}`),
    detail: (message) => !quiet && print(`  ${message}`),
    warn: (message) => print(`warning: ${message}`),
    error: (message) => print(`error: ${message}`),
    debug: (message) => options.verbose && print(`debug: ${message}`),
    progress,
    withRedaction: (more) => createLogger({ ...options, redact: (text) => more(redact(text)) }),
    withPrefix: (prefix) =>
      createLogger({
        quiet,
        ...(options.verbose !== undefined ? { verbose: options.verbose } : {}),
        // Through this logger's printer: its redaction applies to the prefixed lines too.
        printer: (line) => print(`${prefix}${line}`),
        stream: { isTTY: false, write: () => true },
      }),
  };
  return logger;
}

/** A logger that drops everything: the default for library calls that pass none. */
export const silentLogger: Logger = createLogger({ printer: () => {}, quiet: true });

/** A logger that keeps its lines, for tests. */
export function createMemoryLogger(options: Omit<LoggerOptions, 'printer'> = {}): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ ...options, printer: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
