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
import { buildFolderTemps, builtProject, downloadRequested, emptyCachesEnv, env, expectInterrupted, expectPreviousBuildIntact, freshProject, indexUrl, useFaultFixtures } from './__fixtures__/faults.js';

const f = useFaultFixtures();

describe('signals during `layer build`', () => {
  it('SIGINT while pip downloads: pip is terminated, exit 130, the previous build and its stamp stay, nothing left running', async () => {
    const dir = await builtProject(f.temps, 'pip');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = f.stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', f.stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv(f.temps) });
    await downloadRequested(run, f.stalling, seen);
    expect(runningWith(localLayout(dir).buildDir).length).toBeGreaterThan(0);
    run.kill('SIGINT');
    const exit = await run.exited;
    expectInterrupted(exit, 130, 'error: interrupted by SIGINT: artifacts/python/ still holds the previous build; run `layer build` again');
    expect(exit.stderr).toContain('warning: SIGINT: stopping `layer build` (send it again to quit at once)');
    await expectPreviousBuildIntact(dir, stampBefore);
    expect(await buildFolderTemps(dir)).toEqual([]);
    expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
  });

  it('SIGTERM while uv downloads: exit 143 with the same guarantees', async () => {
    const dir = await builtProject(f.temps, 'uv');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = f.stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--index-url', f.stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv(f.temps) });
    await downloadRequested(run, f.stalling, seen);
    run.kill('SIGTERM');
    expectInterrupted(await run.exited, 143, 'error: interrupted by SIGTERM: artifacts/python/ still holds the previous build; run `layer build` again');
    await expectPreviousBuildIntact(dir, stampBefore);
    expect(await buildFolderTemps(dir)).toEqual([]);
    expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
  });

  it('a second Ctrl-C quits at once: still 130, one JSON object, no tool left running, the previous build intact', async () => {
    const dir = await builtProject(f.temps, 'pip');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = f.stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', f.stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv(f.temps) });
    await downloadRequested(run, f.stalling, seen);
    run.kill('SIGINT');
    await run.waitForStderr(/warning: SIGINT: stopping/);
    try {
      run.kill('SIGINT');
    } catch (error) {
      // The clean stop can win the race (it takes milliseconds); runner.test.ts drives the quit itself deterministically.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    // Whichever came first, the clean stop or the quit: one line, one JSON object, the same state.
    expect(errorLines(exit.stderr)).toHaveLength(1);
    expect(errorLines(exit.stderr)[0]).toMatch(/^error: interrupted by SIGINT(: artifacts\/python\/ still holds the previous build| again: quit at once)/);
    expect(exit.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(exit.stdout)).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED', details: { signal: 'SIGINT' } } });
    await run.waitUntil(() => runningWith(localLayout(dir).buildDir).length === 0, 'no tool left running', 10_000).catch(() => {});
    expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
    await expectPreviousBuildIntact(dir, stampBefore);
  });

  it('SIGKILL mid-install: the previous build and stamp stay, `layer package` still takes them, the next build removes the debris', async () => {
    const dir = await builtProject(f.temps, 'uv');
    const layout = localLayout(dir);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer(['build', '--project-dir', dir, '--index-url', held.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv(f.temps) });
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
      const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', held.url, '--yes'], { env: await emptyCachesEnv(f.temps) });
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

