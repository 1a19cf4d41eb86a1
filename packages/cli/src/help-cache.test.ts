import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLayer, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it, vi } from 'vitest';
import { helpCacheKey, isHelpRequest, readCachedHelp, writeCachedHelp } from './help-cache.js';
import { buildParser } from './parser.js';
import type { RunnerIO } from './runner.js';

const temp = useTempDir('help-cache-', { each: true });
const silentIO: RunnerIO = { stdout: () => {}, stderr: () => {}, stdinIsTTY: false, stderrIsTTY: false };

/** What yargs itself prints for a command line (it writes help with console.log), as the bin did before the cache. */
async function printedByYargs(args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => void printed.push(`${values.join(' ')}\n`));
  try {
    await buildParser(args, silentIO, () => {}).parseAsync();
  } finally {
    log.mockRestore();
  }
  return printed.join('');
}

describe('layer --help from the help cache', () => {
  it.each([
    ['--help'],
    ['-h'],
    ['build', '--help'],
    ['package', '-h'],
    ['publish', '--help'],
    ['workflow', '--help'],
    ['upload', '--tool', 'uv', '--help'],
  ])(
    '`layer %s …` prints what yargs prints, rendered once and then read from the cache',
    async (...args: string[]) => {
      const env = { ...process.env, LAYER_CACHE_DIR: temp.path };
      const expected = await printedByYargs(args);
      expect(expected).toMatch(/^layer /);
      const first = await runLayer(args, { env });
      expect(await readdir(join(temp.path, 'help'))).toHaveLength(1);
      const second = await runLayer(args, { env });
      for (const run of [first, second]) {
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe(expected);
      }
    },
    30_000,
  );

  it('answers --version without yargs, and leaves anything else to yargs (a usage error is not cached)', async () => {
    const env = { ...process.env, LAYER_CACHE_DIR: temp.path };
    const version = await runLayer(['--version'], { env });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const usage = await runLayer(['deploy', '--json'], { env });
    expect(usage.code).toBe(2);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('a cache that cannot be written is no error: the text is rendered each time', async () => {
    const file = join(temp.path, 'a-file');
    await writeFile(file, '');
    const run = await runLayer(['--help'], { env: { ...process.env, LAYER_CACHE_DIR: file } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await printedByYargs(['--help']));
  });

  it('keys a text by everything that changes it: the command line, the width, the locale, the modules', async () => {
    const sources = join(temp.path, 'src');
    await writeFile(join(temp.path, 'x'), '');
    await mkdir(sources);
    await writeFile(join(sources, 'flags.js'), 'export const a = 1;\n');
    const key = (args: string[], columns: number | undefined, env: Record<string, string> = {}) => helpCacheKey(args, columns, env, [sources]);
    const base = key(['--help'], undefined);
    expect(key(['--help'], undefined)).toBe(base);
    expect(new Set([base, key(['build', '--help'], undefined), key(['--help'], 80), key(['--help'], undefined, { LANG: 'de_DE.UTF-8' })]).size).toBe(
      4,
    );
    await writeFile(join(sources, 'flags.js'), 'export const a = 2;\n');
    expect(key(['--help'], undefined)).not.toBe(base);
    // Test files and type declarations do not count.
    const changed = key(['--help'], undefined);
    await writeFile(join(sources, 'flags.test.ts'), '');
    await writeFile(join(sources, 'flags.d.ts'), '');
    expect(key(['--help'], undefined)).toBe(changed);
  });

  it('keeps a bounded number of texts', async () => {
    const env = { LAYER_CACHE_DIR: temp.path };
    for (let i = 0; i < 70; i += 1) await writeCachedHelp(`key${i}`, `text ${i}\n`, env);
    expect((await readdir(join(temp.path, 'help'))).length).toBeLessThanOrEqual(64);
    expect(await readCachedHelp('key69', env)).toBe('text 69\n');
    expect(isHelpRequest(['build', '-h'])).toBe(true);
    expect(isHelpRequest(['build', '--tool', 'uv'])).toBe(false);
  });

  it("a request killed mid-write leaves no text under its key; its temporary file goes with the next store, a live writer's stays", async () => {
    const env = { LAYER_CACHE_DIR: temp.path };
    const dir = join(temp.path, 'help');
    await mkdir(dir);
    // What a writer killed between its write and its rename leaves: the half text under a temporary name of a dead process.
    const killed = '.key1.txt.999999999.abcd1234.tmp';
    const running = `.key2.txt.${process.pid}.abcd1234.tmp`;
    await writeFile(join(dir, killed), 'layer [comm');
    await writeFile(join(dir, running), 'layer [comm');
    expect(await readCachedHelp('key1', env)).toBeUndefined();
    await writeCachedHelp('key3', 'text 3\n', env);
    expect((await readdir(dir)).sort()).toEqual([running, 'key3.txt']);
    expect(await readCachedHelp('key3', env)).toBe('text 3\n');
  });
});
