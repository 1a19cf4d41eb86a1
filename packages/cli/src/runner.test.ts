import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, interruptedError, LayerError } from '@lambda-layer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerCommand } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCommand, type RunnerIO } from './runner.js';

function memoryIO(): RunnerIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stdinIsTTY: false, stderrIsTTY: false };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const command = (run: LayerCommand['run']): LayerCommand => ({ name: 'publish', describe: 'x', run, summary: () => ['done'] });

describe('runCommand', () => {
  it('says plainly what the command line must choose and exits 2', async () => {
    const io = memoryIO();
    const ambiguous = new LayerError(ErrorCodes.TOOL_AMBIGUOUS, 'cannot tell the build tool: poetry.lock and uv.lock are both in .', {
      hint: 'pass --tool poetry|uv',
    });
    const code = await runCommand(
      command(async () => {
        throw ambiguous;
      }),
      { 'project-dir': dir },
      io,
    );
    expect(code).toBe(EXIT_USAGE);
    expect(io.err.join('')).toBe('error: cannot tell the build tool: poetry.lock and uv.lock are both in .; pass --tool poetry|uv\n');
    expect(io.out).toEqual([]);
  });

  it('hands the command its settings by precedence and prints the summary', async () => {
    const io = memoryIO();
    let seen: unknown;
    const code = await runCommand(
      command(async (ctx) => {
        seen = { name: ctx.config.values['layer-name'], tool: ctx.config.values.tool, interactive: ctx.interactive, dir: ctx.projectDir };
        return { status: 'published' };
      }),
      { 'project-dir': dir, 'layer-name': 'from-flag' },
      io,
    );
    expect(code).toBe(EXIT_OK);
    expect(seen).toEqual({ name: 'from-flag', tool: undefined, interactive: false, dir });
    expect(io.out).toEqual(['done\n']);
  });

  it('reports an unexpected error in one line without a stack, exit 1', async () => {
    const io = memoryIO();
    const code = await runCommand(
      command(async () => {
        throw new TypeError('boom\nsecond line');
      }),
      { 'project-dir': dir, json: true },
      io,
    );
    expect(code).toBe(EXIT_FAILURE);
    expect(io.err.join('')).toBe('error: unexpected error: boom; run again with --debug for details\n');
    expect(JSON.parse(io.out.join(''))).toEqual({
      status: 'error',
      error: { code: 'E_INTERNAL', message: 'unexpected error: boom', hint: 'run again with --debug for details' },
    });
  });

  it('says what the OS refused instead of "unexpected error"', async () => {
    const io = memoryIO();
    const code = await runCommand(
      command(async () => readFile(dir)),
      { 'project-dir': dir, json: true },
      io,
    );
    expect(code).toBe(EXIT_FAILURE);
    expect(io.err.join('')).toBe('error: the file is a folder, not a file; remove or rename that folder and put the file there\n');
    expect(JSON.parse(io.out.join(''))).toMatchObject({ status: 'error', error: { code: 'E_NOT_A_FILE' } });
  });

  it('refuses a bad flag value as a usage error (exit 2) before the command runs', async () => {
    const io = memoryIO();
    let ran = false;
    const code = await runCommand(
      command(async () => (ran = true)),
      { 'project-dir': dir, json: true, tool: 'nope' },
      io,
    );
    expect([code, ran]).toEqual([EXIT_USAGE, false]);
    expect(JSON.parse(io.out.join(''))).toMatchObject({
      status: 'error',
      error: { code: 'E_USAGE', message: 'invalid --tool: unknown build tool "nope"' },
    });
  });

  it('names a project folder that does not exist (exit 2)', async () => {
    const io = memoryIO();
    const missing = join(dir, 'nope');
    const code = await runCommand(
      command(async () => 'x'),
      { 'project-dir': missing },
      io,
    );
    expect(code).toBe(EXIT_USAGE);
    expect(io.err.join('')).toBe(
      `error: the project folder ${missing} does not exist; pass --project-dir with the folder that holds pyproject.toml\n`,
    );
  });

  describe('on SIGINT and SIGTERM', () => {
    /** A command that runs until its signal fires, then throws the step's interruption error. */
    const waitsForSignal = command(
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(interruptedError(ctx.signal, 'layer.zip was not changed', 'run `layer package` again')));
        }),
    );

    it('hands the command an aborted signal, prints the state it left in one line, exits 130, and one JSON object', async () => {
      const signals = new EventEmitter();
      const io = { ...memoryIO(), signals };
      const running = runCommand(waitsForSignal, { 'project-dir': dir, json: true }, io);
      await new Promise((resolve) => setTimeout(resolve, 50));
      signals.emit('SIGINT');
      expect(await running).toBe(130);
      expect(io.err.join('')).toBe(
        'warning: SIGINT: stopping `layer publish` (send it again to quit at once)\nerror: interrupted by SIGINT: layer.zip was not changed; run `layer package` again\n',
      );
      expect(io.out).toHaveLength(1);
      expect(JSON.parse(io.out[0] as string)).toEqual({
        status: 'interrupted',
        error: {
          code: 'E_INTERRUPTED',
          message: 'interrupted by SIGINT: layer.zip was not changed',
          hint: 'run `layer package` again',
          details: { signal: 'SIGINT', state: 'layer.zip was not changed' },
        },
      });
      expect(signals.listenerCount('SIGINT')).toBe(0);
    });

    it('exits 143 for SIGTERM, and reports an interrupted step without words of its own as interrupted', async () => {
      const signals = new EventEmitter();
      const io = { ...memoryIO(), signals };
      const plain = command(
        (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('The operation was aborted')))),
      );
      const running = runCommand(plain, { 'project-dir': dir, json: true }, io);
      await new Promise((resolve) => setTimeout(resolve, 50));
      signals.emit('SIGTERM');
      expect(await running).toBe(143);
      expect(JSON.parse(io.out.join(''))).toMatchObject({
        status: 'interrupted',
        error: { code: 'E_INTERRUPTED', message: 'interrupted by SIGTERM' },
      });
    });

    it('quits at once on a second signal, still with exit 130 and exactly one JSON object', async () => {
      const signals = new EventEmitter();
      const exits: number[] = [];
      const io = { ...memoryIO(), signals, exit: (code: number) => void exits.push(code) };
      const never = command(() => new Promise(() => {}));
      void runCommand(never, { 'project-dir': dir, json: true }, io);
      await new Promise((resolve) => setTimeout(resolve, 50));
      signals.emit('SIGINT');
      signals.emit('SIGINT');
      expect(exits).toEqual([130]);
      expect(io.out).toHaveLength(1);
      expect(JSON.parse(io.out[0] as string)).toMatchObject({
        status: 'interrupted',
        error: { code: 'E_INTERRUPTED', details: { signal: 'SIGINT' } },
      });
      expect(io.err.join('')).toMatch(/error: interrupted by SIGINT again: quit at once; .*run `layer publish` again\n$/);
    });
  });
});
