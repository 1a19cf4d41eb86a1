import { spawn as spawnProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, InterruptReason, silentLogger } from '@lambda-layer/core';
import { repoRoot, runningInGroup } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';
import { describeToolFailure, findSystemErrorInOutput, runTool, withToolSignal } from './run-tool.js';

const options = { env: process.env, redactor: new Redactor(), logger: silentLogger };

const groupAlive = (pgid: number) => runningInGroup(pgid).length > 0;

/** Whether the group is gone within `ms`: a killed process can linger a moment before it is reaped. */
async function groupGoneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function stopAfterStart(script: string, withSignal: (signal: AbortSignal, run: () => Promise<unknown>) => Promise<unknown>) {
  const controller = new AbortController();
  let pid = 0;
  const started = Date.now();
  const outcome = withSignal(controller.signal, () =>
    runTool('sh', ['-c', script], { ...options, onLine: (line) => (pid = Number(line)) || pid }),
  ).catch((error: unknown) => error);
  while (!pid) await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort(new InterruptReason('SIGINT'));
  const error = await outcome;
  return { error, pid, seconds: (Date.now() - started) / 1000 };
}

describe('runTool when the run is interrupted', () => {
  it('terminates the whole process group (the tool and what it started) and rejects with the reason', async () => {
    // The shell prints its PID (= its process group) and waits on a child of its own.
    const { error, pid } = await stopAfterStart('echo $$; sleep 30 & wait', (signal, run) => withToolSignal(signal, run));
    expect(error).toBeInstanceOf(InterruptReason);
    expect(await groupGoneWithin(pid, 5000)).toBe(true);
  });

  it('kills a tool that ignores SIGTERM after a short grace', async () => {
    const { error, pid, seconds } = await stopAfterStart('trap "" TERM; echo $$; sleep 30 & wait; sleep 30', async (signal, run) =>
      withToolSignal(signal, run),
    );
    expect(error).toBeInstanceOf(InterruptReason);
    expect(await groupGoneWithin(pid, 5000)).toBe(true);
    expect(seconds).toBeLessThan(10);
  });

  it('does not start a tool once the run was interrupted', async () => {
    const controller = new AbortController();
    controller.abort(new InterruptReason('SIGTERM'));
    await expect(runTool('sh', ['-c', 'exit 0'], { ...options, signal: controller.signal })).rejects.toBeInstanceOf(InterruptReason);
  });
});

describe('describeToolFailure', () => {
  const traceback = (last: string) =>
    `Collecting six\nTraceback (most recent call last):\n  File "/x/pip/_internal/cli/base_command.py", line 105, in _run_wrapper\n    status = _inner_run()\n${'  frame\n'.repeat(80)}${last}\n`;

  it('says a full disk in plain words instead of a traceback', async () => {
    const output = traceback('OSError: [Errno 28] No space left on device');
    expect(output.length).toBeGreaterThan(500);
    const error = await describeToolFailure(
      'pip install',
      `${output}ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n`,
      { path: '/p/build/lambda/layer/.artifacts.1.ab.tmp/python' },
    );
    expect(error.code).toBe(ErrorCodes.DISK_FULL);
    expect(error.oneLine).toBe(
      'pip install failed: disk full: no space left on the device holding /p/build/lambda/layer/.artifacts.1.ab.tmp/python; free space there (df -h /p/build/lambda/layer/.artifacts.1.ab.tmp) and run again',
    );
  });

  it("names the path a tool was refused, and reads uv's (Rust) form too", async () => {
    expect(
      (await describeToolFailure('pip install', traceback("PermissionError: [Errno 13] Permission denied: '/p/python/six.py'"))).oneLine,
    ).toMatch(/^pip install failed: permission denied: cannot write \/p\/python\/six\.py; /);
    expect(findSystemErrorInOutput('error: Failed to install: six-1.17.0 (os error 28)')).toEqual({ code: 'ENOSPC' });
  });

  it('keeps the exception line of a traceback without an OS error, or else the last lines', async () => {
    expect((await describeToolFailure('pip install', traceback('ValueError: bad wheel'))).message).toBe('pip install failed: ValueError: bad wheel');
    expect((await describeToolFailure('uv pip install', 'a\nb\nerror: no solution\n')).message).toBe(
      'uv pip install failed: a | b | error: no solution',
    );
    // A refused connection the tool retried is not the cause of an install failure.
    expect(
      (
        await describeToolFailure(
          'pip install',
          'WARNING: Retrying after [Errno 111] Connection refused\nERROR: No matching distribution found for six\n',
        )
      ).code,
    ).toBe(ErrorCodes.BUILD_FAILED);
  });
});

describe('runTool grandchildren', () => {
  it('kills a grandchild that ignores SIGTERM even after the tool itself exited', async () => {
    // The shell exits on SIGTERM; its background child ignores it and keeps the output pipe open.
    const { error, pid, seconds } = await stopAfterStart('echo $$; (trap "" TERM; sleep 30) & wait', (signal, run) => withToolSignal(signal, run));
    expect(error).toBeInstanceOf(InterruptReason);
    expect(await groupGoneWithin(pid, 5000)).toBe(true);
    expect(seconds).toBeLessThan(10);
  });
});

describe('a process that exits at once (a second Ctrl-C)', () => {
  it('takes its tools with it: process.exit kills their groups', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'run-tool-exit-'));
    try {
      const script = join(dir, 'quit.mts');
      const entry = join(fileURLToPath(new URL('.', import.meta.url)), 'run-tool.ts');
      await writeFile(
        script,
        `import { runTool } from ${JSON.stringify(entry)};\n` +
          `const quiet = { redact: (text) => text };\n` +
          `void runTool('sh', ['-c', 'echo $$; sleep 30 & wait'], { env: process.env, redactor: quiet, logger: { debug() {} }, onLine: (line) => { console.log(line); process.exit(130); } });\n`,
      );
      const child = spawnProcess(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(130);
      const pgid = Number(out.trim());
      expect(pgid).toBeGreaterThan(0);
      for (let i = 0; i < 50 && groupAlive(pgid); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(groupAlive(pgid)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
