import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerCommand } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCommand, stepNotAvailable, type RunnerIO } from './runner.js';

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

const command = (run: LayerCommand['run']): LayerCommand => ({ name: 'publish', describe: 'x', keys: ['layer-name', 'tool'], run, summary: () => ['done'] });

describe('runCommand', () => {
  it('says plainly that a step is not available and exits 2', async () => {
    const io = memoryIO();
    const code = await runCommand(command(async () => { throw stepNotAvailable('publish'); }), { 'project-dir': dir }, io);
    expect(code).toBe(EXIT_USAGE);
    expect(io.err.join('')).toBe('error: the publish step is not available in this version of layer; upgrade @lambda-layer/cli\n');
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
    const code = await runCommand(command(async () => { throw new TypeError('boom\nsecond line'); }), { 'project-dir': dir, json: true }, io);
    expect(code).toBe(EXIT_FAILURE);
    expect(io.err.join('')).toBe('error: unexpected error: boom; run again with --debug for details\n');
    expect(JSON.parse(io.out.join(''))).toEqual({ status: 'failed', error: { code: 'E_INTERNAL', message: 'unexpected error: boom; run again with --debug for details' } });
  });
});
