import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger, ErrorCodes, localLayout } from '@lambda-layer/core';
import { clearBuildDir, copyProjectFiles } from './prepare.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prepare-'));
  const layout = localLayout(dir);
  await mkdir(layout.pythonDir, { recursive: true });
  await writeFile(join(layout.pythonDir, 'old.py'), 'x = 1\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('clearBuildDir', () => {
  it('asks on a terminal and keeps the folder when the answer is no', async () => {
    const questions: string[] = [];
    const error = await clearBuildDir(localLayout(dir), {
      yes: false,
      interactive: true,
      logger: createMemoryLogger(),
      confirm: async (q) => (questions.push(q), false),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.BUILD_DIR_NOT_CLEARED });
    expect(questions).toEqual([`Clear ${localLayout(dir).buildDir}?`]);
    expect(await readdir(localLayout(dir).pythonDir)).toEqual(['old.py']);
  });

  it('clears after a yes, and without asking with --yes', async () => {
    expect(await clearBuildDir(localLayout(dir), { yes: false, interactive: true, logger: createMemoryLogger(), confirm: async () => true })).toBe(true);
    expect(await readdir(localLayout(dir).buildDir)).toEqual([]);
    await mkdir(localLayout(dir).pythonDir, { recursive: true });
    const asked: string[] = [];
    await clearBuildDir(localLayout(dir), { yes: true, interactive: true, logger: createMemoryLogger(), confirm: async (q) => (asked.push(q), false) });
    expect(asked).toEqual([]);
  });

  it("keeps the package step's cache of compressed bytes", async () => {
    const layout = localLayout(dir);
    await mkdir(layout.packageCache, { recursive: true });
    await writeFile(join(layout.packageCache, 'index.json'), '{}');
    await writeFile(layout.layerZip, 'old zip');
    await clearBuildDir(layout, { yes: true, interactive: false, logger: createMemoryLogger() });
    expect(await readdir(layout.buildDir)).toEqual(['.package-cache']);
    expect(await readFile(join(layout.packageCache, 'index.json'), 'utf8')).toBe('{}');
  });

  it('goes ahead without a terminal and says so', async () => {
    const logger = createMemoryLogger();
    await clearBuildDir(localLayout(dir), { yes: false, interactive: false, logger });
    expect(await readdir(localLayout(dir).buildDir)).toEqual([]);
    expect(logger.lines.join('\n')).toContain('no terminal to ask: clearing');
  });
});

describe('copyProjectFiles', () => {
  it('copies pyproject.toml and the lock into repo/', async () => {
    await writeFile(join(dir, 'pyproject.toml'), '[project]\n');
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
    expect(await copyProjectFiles(localLayout(dir), 'uv')).toEqual(['pyproject.toml', 'uv.lock']);
    expect(await readFile(localLayout(dir).repoFile('uv.lock'), 'utf8')).toBe('version = 1\n');
  });

  it('does without pyproject.toml for a pip build', async () => {
    await writeFile(join(dir, 'requirements.txt'), 'idna==3.10\n');
    expect(await copyProjectFiles(localLayout(dir), 'pip')).toEqual(['requirements.txt']);
  });
});
