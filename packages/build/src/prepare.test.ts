import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryLogger, ErrorCodes, localLayout, md5Hex, readManifest } from '@lambda-layer/core';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { clearScratch, confirmReplaceBuild, copyProjectFiles, createStagingDir, swapInArtifacts } from './prepare.js';

const temp = useTempDir('prepare-', { each: true });

async function withPreviousBuild() {
  const layout = localLayout(temp.path);
  await mkdir(layout.pythonDir, { recursive: true });
  await writeFile(join(layout.pythonDir, 'old.py'), 'x = 1\n');
  return layout;
}

describe('confirmReplaceBuild', () => {
  it('asks on a terminal and builds nothing when the answer is no', async () => {
    const layout = await withPreviousBuild();
    const questions: string[] = [];
    const error = await confirmReplaceBuild(layout, {
      yes: false,
      interactive: true,
      logger: createMemoryLogger(),
      confirm: async (q: string) => (questions.push(q), false),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.BUILD_DIR_NOT_CLEARED });
    expect(questions).toEqual([`Replace the previous build in ${layout.artifactsDir}?`]);
    expect(await readdir(layout.pythonDir)).toEqual(['old.py']);
  });

  it('goes ahead after a yes, with --yes without asking, and without a terminal saying so; it never removes anything itself', async () => {
    const layout = await withPreviousBuild();
    expect(await confirmReplaceBuild(layout, { yes: false, interactive: true, logger: createMemoryLogger(), confirm: async () => true })).toBe(true);
    const asked: string[] = [];
    expect(
      await confirmReplaceBuild(layout, {
        yes: true,
        interactive: true,
        logger: createMemoryLogger(),
        confirm: async (q: string) => (asked.push(q), false),
      }),
    ).toBe(true);
    expect(asked).toEqual([]);
    const logger = createMemoryLogger();
    await confirmReplaceBuild(layout, { yes: false, interactive: false, logger });
    expect(logger.lines.join('\n')).toContain('no terminal to ask: the previous build in');
    expect(await readdir(layout.pythonDir)).toEqual(['old.py']);
  });

  it('asks nothing when there is no previous build', async () => {
    const layout = localLayout(temp.path);
    expect(await confirmReplaceBuild(layout, { yes: false, interactive: true, logger: createMemoryLogger(), confirm: async () => false })).toBe(
      false,
    );
  });
});

describe('clearScratch, createStagingDir and swapInArtifacts', () => {
  it('clears repo/ and the unfinished builds of killed runs, keeping everything else', async () => {
    const layout = await withPreviousBuild();
    await mkdir(layout.repoDir, { recursive: true });
    await writeFile(layout.repoFile('uv.lock'), 'old');
    await mkdir(join(layout.buildDir, '.artifacts.999999999.0badc0de.tmp', 'python'), { recursive: true });
    await mkdir(layout.packageCache, { recursive: true });
    await writeFile(layout.layerZip, 'zip');
    expect(await clearScratch(layout)).toEqual(['.artifacts.999999999.0badc0de.tmp']);
    expect((await readdir(layout.buildDir)).sort()).toEqual(['.package-cache', 'artifacts', 'layer.zip']);
  });

  it('builds into a fresh hidden folder and swaps it in whole, the old tree gone', async () => {
    const layout = await withPreviousBuild();
    const staging = await createStagingDir(layout);
    expect(staging.pythonDir).toBe(join(staging.artifactsDir, 'python'));
    expect(staging.artifactsDir).toMatch(new RegExp(`/build/lambda/layer/\\.artifacts\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    await writeFile(join(staging.pythonDir, 'new.py'), 'x = 2\n');
    await swapInArtifacts(layout, staging.artifactsDir);
    expect(await readdir(layout.pythonDir)).toEqual(['new.py']);
    expect((await readdir(layout.buildDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('swaps in a first build when there was none', async () => {
    const layout = localLayout(temp.path);
    const staging = await createStagingDir(layout);
    await writeFile(join(staging.pythonDir, 'new.py'), '');
    await swapInArtifacts(layout, staging.artifactsDir);
    expect(await readdir(layout.pythonDir)).toEqual(['new.py']);
  });
});

describe('copyProjectFiles', () => {
  it('copies pyproject.toml and the lock into repo/', async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\n');
    await writeFile(join(temp.path, 'uv.lock'), 'version = 1\n');
    const manifest = await readManifest(join(temp.path, 'uv.lock'), 'uv');
    expect(await copyProjectFiles(localLayout(temp.path), manifest)).toEqual(['pyproject.toml', 'uv.lock']);
    expect(await readFile(localLayout(temp.path).repoFile('uv.lock'), 'utf8')).toBe('version = 1\n');
  });

  it('writes the manifest the preflight read and fingerprinted, not what the file holds by then', async () => {
    await writeFile(join(temp.path, 'uv.lock'), 'version = 1\n');
    const manifest = await readManifest(join(temp.path, 'uv.lock'), 'uv');
    await writeFile(join(temp.path, 'uv.lock'), 'version = 1\n# edited during the build\n');
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\n');
    await copyProjectFiles(localLayout(temp.path), manifest);
    expect(md5Hex(await readFile(localLayout(temp.path).repoFile('uv.lock')))).toBe(manifest.md5);
  });

  it('does without pyproject.toml for a pip build', async () => {
    await writeFile(join(temp.path, 'requirements.txt'), 'idna==3.10\n');
    expect(await copyProjectFiles(localLayout(temp.path), await readManifest(join(temp.path, 'requirements.txt'), 'pip'))).toEqual([
      'requirements.txt',
    ]);
  });
});
