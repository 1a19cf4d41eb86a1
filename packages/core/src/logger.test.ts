import { describe, expect, it } from 'vitest';
import { createMemoryLogger, formatBytes } from './logger.js';

describe('logger', () => {
  it('logs steps by number and name', () => {
    const logger = createMemoryLogger();
    logger.step('1.2', 'Validate layer.zip consistency with manifest');
    logger.detail('manifest md5: abc');
    expect(logger.lines).toEqual(['Step 1.2 - Validate layer.zip consistency with manifest', '  manifest md5: abc']);
  });

  it('keeps only warnings and errors when quiet, and debug only when verbose', () => {
    const quiet = createMemoryLogger({ quiet: true });
    quiet.info('hello');
    quiet.step('1', 'x');
    quiet.warn('careful');
    quiet.error('broken');
    quiet.debug('details');
    expect(quiet.lines).toEqual(['warning: careful', 'error: broken']);
    const verbose = createMemoryLogger({ verbose: true });
    verbose.debug('details');
    expect(verbose.lines).toEqual(['debug: details']);
  });

  it('redacts every line', () => {
    const logger = createMemoryLogger();
    logger.withRedaction((t) => t.replace('s3cret', '****')).info('password s3cret');
    expect(logger.lines).toEqual(['password ****']);
  });

  it('prefixes every line of a region, redacted, with plain progress lines even on a terminal', () => {
    const logger = createMemoryLogger({ stream: { isTTY: true, write: () => true } });
    const region = logger.withRedaction((t) => t.replace('s3cret', '****')).withPrefix('[eu-west-1] ');
    region.step('1.1', 'Ensure layer.zip exists in S3');
    region.warn('password s3cret');
    const progress = region.progress('upload', 4, 'bytes');
    progress.finish();
    expect(logger.lines.slice(0, 2)).toEqual(['[eu-west-1] Step 1.1 - Ensure layer.zip exists in S3', '[eu-west-1] warning: password ****']);
    expect(logger.lines[2]).toMatch(/^\[eu-west-1\] {3}upload: done, 4 B in/);
  });

  it('prints plain progress lines without a terminal', () => {
    const logger = createMemoryLogger({ stream: { isTTY: false, write: () => true } });
    const progress = logger.progress('upload', 400, 'bytes');
    for (const done of [50, 100, 110, 350, 400]) progress.update(done);
    progress.finish();
    expect(logger.lines.slice(0, 2)).toEqual(['  upload: 25% (100 B of 400 B)', '  upload: 75% (350 B of 400 B)']);
    expect(logger.lines[2]).toMatch(/^ {2}upload: done, 400 B in \d+\.\ds$/);
    expect(logger.lines).toHaveLength(3);
  });

  it('draws a bar on a terminal', () => {
    const drawn: string[] = [];
    const logger = createMemoryLogger({ stream: { isTTY: true, columns: 200, write: (chunk: string) => (drawn.push(chunk), true) } });
    const progress = logger.progress('package', 10, 'files');
    progress.finish();
    expect(drawn.join('')).toContain('package [########################] 100% 10 files/10 files');
  });

  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    // Lambda's "250 MB" limit is 250 MiB.
    expect(formatBytes(262_144_000)).toBe('250.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
