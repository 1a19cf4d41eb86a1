/**
 * Fault catalogue, local side (issue 11, part A): SIGINT, SIGTERM, a second Ctrl-C and SIGKILL sent to
 * the real `layer build` while pip or uv is mid-install (the index holds a download): the previous
 * build and its stamp stay, no tool is left running, the debris of a killed run is removed by the next
 * one.
 *
 * The real `layer` bin as a child process (run `npx tsc -b` first), real signals to that PID at a
 * moment the test observes, real pip, uv, moto and file systems; each case asserts the state left
 * behind.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localLayout } from '@lambda-layer/core';
import { errorLines, parseJsonOutput, runLayer, runningWith, startLayer, startPackageIndex, wheelCacheDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import {
  buildFolderTemps,
  builtProject,
  downloadRequested,
  emptyCachesEnv,
  env,
  expectInterrupted,
  expectPreviousBuildIntact,
  freshProject,
  indexUrl,
  useFaultFixtures,
} from './__fixtures__/faults.js';

const f = useFaultFixtures();

/** A built project, and a forced rebuild of it that is provably mid-install: its tool asked the stalling index for a wheel. */
async function rebuilding(tool: 'pip' | 'uv') {
  const dir = await builtProject(f.temps, tool);
  const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
  const seen = f.stalling.requests.length;
  const run = startLayer(['build', '--project-dir', dir, '--tool', tool, '--index-url', f.stalling.url, '--force', '--yes', '--json'], {
    env: await emptyCachesEnv(f.temps),
  });
  await downloadRequested(run, f.stalling, seen);
  return { dir, stampBefore, run };
}

/** What a stopped build leaves: the previous build and stamp, no staging folder, no tool running. */
async function expectStoppedCleanly(dir: string, stampBefore: string): Promise<void> {
  await expectPreviousBuildIntact(dir, stampBefore);
  expect(await buildFolderTemps(dir)).toEqual([]);
  expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
}

describe('signals during `layer build`', () => {
  it('SIGINT while pip downloads: pip is terminated, exit 130, the previous build and its stamp stay, nothing left running', async () => {
    const { dir, stampBefore, run } = await rebuilding('pip');
    expect(runningWith(localLayout(dir).buildDir).length).toBeGreaterThan(0);
    run.kill('SIGINT');
    const exit = await run.exited;
    expectInterrupted(exit, 130, 'error: interrupted by SIGINT: artifacts/python/ still holds the previous build; run `layer build` again');
    expect(exit.stderr).toContain('warning: SIGINT: stopping `layer build` (send it again to quit at once)');
    await expectStoppedCleanly(dir, stampBefore);
  });

  it('SIGTERM while uv downloads: exit 143 with the same guarantees', async () => {
    const { dir, stampBefore, run } = await rebuilding('uv');
    run.kill('SIGTERM');
    expectInterrupted(
      await run.exited,
      143,
      'error: interrupted by SIGTERM: artifacts/python/ still holds the previous build; run `layer build` again',
    );
    await expectStoppedCleanly(dir, stampBefore);
  });

  it('a second Ctrl-C quits at once: still 130, one JSON object, no tool left running, the previous build intact', async () => {
    const { dir, stampBefore, run } = await rebuilding('pip');
    run.kill('SIGINT');
    await run.waitForStderr(/warning: SIGINT: stopping/);
    try {
      run.kill('SIGINT');
    } catch (error) {
      // The clean stop can win the race (it takes milliseconds); runner.test.ts drives the quit itself deterministically.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const exit = await run.exited;
    // 130 from the run, or (the second signal landing while Node tears the finished process down, when no
    // listener can run any more) death by SIGINT itself, which a shell reports as 130 too.
    expect(exit.code === 130 || (exit.code === null && exit.signal === 'SIGINT'), `exit ${exit.code}, signal ${exit.signal}: ${exit.stderr}`).toBe(
      true,
    );
    // Whichever came first, the clean stop or the quit: one line, one JSON object, the same state.
    expect(errorLines(exit.stderr)).toHaveLength(1);
    expect(errorLines(exit.stderr)[0]).toMatch(
      /^error: interrupted by SIGINT(: artifacts\/python\/ still holds the previous build| again: quit at once)/,
    );
    expect(exit.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(exit.stdout)).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED', details: { signal: 'SIGINT' } } });
    // After a quit at once, the tools' groups were sent SIGKILL as the process exited: give the kernel a moment.
    for (let i = 0; i < 50 && runningWith(localLayout(dir).buildDir).length; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    if (errorLines(exit.stderr)[0]?.includes('quit at once')) {
      // A killed run cleans nothing: its staging folder is debris for the next run, under a name no step reads.
      await expectPreviousBuildIntact(dir, stampBefore);
      expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
    } else {
      await expectStoppedCleanly(dir, stampBefore);
    }
  });

  it('SIGKILL mid-install: the previous build and stamp stay, `layer package` still takes them, the next build removes the debris', async () => {
    const dir = await builtProject(f.temps, 'uv');
    const layout = localLayout(dir);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer(['build', '--project-dir', dir, '--index-url', held.url, '--force', '--yes', '--json'], {
        env: await emptyCachesEnv(f.temps),
      });
      await held.firstDownload;
      run.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal).toBe('SIGKILL');
      expect(exit.stdout).toBe('');
      // A killed process can clean nothing: its unfinished build is left beside artifacts/, under a name no step reads.
      expect((await buildFolderTemps(dir)).filter((name) => name.startsWith('.artifacts.'))).toHaveLength(1);
    } finally {
      // The orphaned uv gives up once the index goes away.
      await held.close();
    }
    await expectPreviousBuildIntact(dir, stampBefore);
    const packaged = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(packaged.code, packaged.stderr).toBe(0);
    for (let i = 0; i < 100 && runningWith(layout.buildDir).length; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    const rebuilt = await runLayer(['build', '--project-dir', dir, '--index-url', indexUrl, '--force', '--yes', '--json'], { env });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toContain('removed 1 unfinished build folder(s) left by a killed run');
    expect(await buildFolderTemps(dir)).toEqual([]);
  });

  it('SIGKILL of a first build leaves nothing `layer package` would take', async () => {
    const dir = await freshProject(f.temps, 'pip');
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', held.url, '--yes'], {
        env: await emptyCachesEnv(f.temps),
      });
      await held.firstDownload;
      run.kill('SIGKILL');
      await run.exited;
    } finally {
      await held.close();
    }
    const packaged = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(packaged.code).toBe(1);
    expect(parseJsonOutput(packaged)).toMatchObject({ status: 'error', error: { code: 'E_ARTIFACTS_NOT_FOUND' } });
    // Files put in artifacts/python/ by anything but a finished build are refused by name.
    await mkdir(localLayout(dir).pythonDir, { recursive: true });
    await writeFile(join(localLayout(dir).pythonDir, 'half.py'), '');
    const refused = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      'error: artifacts/python/ has no build stamp: the build did not finish, or the files were not put there by `layer build`; run `layer build`',
    ]);
  });
});
