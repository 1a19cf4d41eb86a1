/**
 * A build records completion last and never leaves half a build where the
 * next step could take it: failed, interrupted or killed, the previous
 * artifacts/python/ and its stamp stay as they were. Real pip and uv against
 * the loopback index.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, digestArtifacts, ErrorCodes, InterruptReason, localLayout, readBuildStamp, verifyArtifacts } from '@lambda-layer/core';
import { createFixtureProject, runningWith, startPackageIndex, toolCacheEnv, UNREACHABLE_INDEX_URL, wheelCacheDir } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from './build-layer.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fixture(tool: 'pip' | 'uv'): Promise<string> {
  const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' });
  dirs.push(dir);
  return dir;
}

const stagingFolders = async (dir: string) => (await readdir(localLayout(dir).buildDir)).filter((name) => name.endsWith('.tmp'));

describe('a pip build and its stamp', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fixture('pip');
    await buildLayer({ projectDir: dir, tool: 'pip', indexUrl, yes: true, env });
  }, 120_000);

  it('records what it built last, in project-relative facts and content digests that survive a copy of the project', async () => {
    const layout = localLayout(dir);
    const stamp = await readBuildStamp(layout);
    expect(stamp).toMatchObject({
      version: 2,
      tool: 'pip',
      manifest: { file: 'requirements.txt' },
      target: { pythonVersion: '3.12', architecture: 'x86_64' },
      indexUrl,
    });
    expect(stamp?.toolVersion).toMatch(/^\d+\.\d+/);
    expect(stamp?.tree).toEqual(await digestArtifacts(layout));
    expect(await readFile(layout.buildStamp, 'utf8')).not.toContain(dir);
    // An Nx cache restore on another machine: the same files somewhere else, with other times.
    const copy = await mkdtemp(join(tmpdir(), 'build-copy-'));
    dirs.push(copy);
    await cp(dir, copy, { recursive: true });
    await expect(verifyArtifacts(localLayout(copy))).resolves.toMatchObject({ stamp });
    expect((await buildLayer({ projectDir: copy, tool: 'pip', indexUrl, yes: true, env })).status).toBe('unchanged');
  });

  it('keeps the previous build and its stamp when `build --force` fails, and leaves no staging folder', async () => {
    const layout = localLayout(dir);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    const error = await buildLayer({
      projectDir: dir,
      tool: 'pip',
      indexUrl: UNREACHABLE_INDEX_URL,
      yes: true,
      force: true,
      env: { ...env, PIP_RETRIES: '0', PIP_TIMEOUT: '2' },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCodes.INDEX_UNREACHABLE,
      message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/simple\/: connection refused$/),
    });
    expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
    await expect(verifyArtifacts(layout)).resolves.toBeDefined();
    expect(await stagingFolders(dir)).toEqual([]);
  });

  it('builds again when artifacts/python changed since the build, instead of calling it unchanged', async () => {
    const layout = localLayout(dir);
    await rm(join(layout.pythonDir, 'six.py'), { force: true });
    await writeFile(join(layout.pythonDir, 'stray.py'), 'x = 1\n');
    const lines: string[] = [];
    const result = await buildLayer({
      projectDir: dir,
      tool: 'pip',
      indexUrl,
      yes: true,
      env,
      logger: createLogger({ printer: (line) => lines.push(line) }),
    });
    expect(result.status).toBe('built');
    expect(lines.join('\n')).toContain('artifacts/python/ changed since the last build');
    await expect(readFile(join(layout.pythonDir, 'stray.py'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('removes the unfinished build folders of killed runs', async () => {
    const layout = localLayout(dir);
    const stale = join(layout.buildDir, '.artifacts.999999999.deadbeef.tmp');
    await mkdir(join(stale, 'python', 'half'), { recursive: true });
    const lines: string[] = [];
    await buildLayer({
      projectDir: dir,
      tool: 'pip',
      indexUrl,
      yes: true,
      force: true,
      env,
      logger: createLogger({ printer: (line) => lines.push(line) }),
    });
    expect(await stagingFolders(dir)).toEqual([]);
    expect(lines).toContain('  removed 1 unfinished build folder(s) left by a killed run');
  }, 60_000);
});

describe('an interrupted uv build', () => {
  it('terminates uv mid-download, keeps the previous build and its stamp, and says so', async () => {
    const dir = await fixture('uv');
    await buildLayer({ projectDir: dir, tool: 'uv', indexUrl, yes: true, env });
    const layout = localLayout(dir);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    // An index that never answers a download, and an empty uv cache: uv is provably mid-install when stopped.
    const stalling = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    const cache = await mkdtemp(join(tmpdir(), 'uv-cache-'));
    dirs.push(cache);
    try {
      const controller = new AbortController();
      const build = buildLayer({
        projectDir: dir,
        tool: 'uv',
        indexUrl: stalling.url,
        yes: true,
        force: true,
        env: { ...env, UV_CACHE_DIR: cache },
        signal: controller.signal,
      }).catch((e: unknown) => e);
      await stalling.firstDownload;
      expect(runningWith(layout.buildDir).length).toBeGreaterThan(0);
      const stopped = Date.now();
      controller.abort(new InterruptReason('SIGINT'));
      const error = await build;
      expect(Date.now() - stopped).toBeLessThan(2000);
      expect(error).toMatchObject({
        code: ErrorCodes.INTERRUPTED,
        oneLine: 'interrupted by SIGINT: artifacts/python/ still holds the previous build; run `layer build` again',
      });
      expect(runningWith(layout.buildDir)).toEqual([]);
      expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
      await expect(verifyArtifacts(layout)).resolves.toBeDefined();
      expect(await stagingFolders(dir)).toEqual([]);
    } finally {
      await stalling.close();
    }
  }, 120_000);
});

describe('a requirements.txt the build cannot trust', () => {
  it.each([
    ['-r other.txt\n', ErrorCodes.REQUIREMENTS_INCLUDE, /^requirements\.txt includes other files \(-r other\.txt\)/],
    ['# nothing pinned yet\n', ErrorCodes.REQUIREMENTS_EMPTY, /^requirements\.txt lists no packages/],
  ])('is refused before the build folder is touched: %j', async (content, code, message) => {
    const dir = await fixture('pip');
    await writeFile(join(dir, 'requirements.txt'), content);
    const error = await buildLayer({ projectDir: dir, tool: 'pip', indexUrl, yes: true, env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
    await expect(readdir(join(dir, 'build'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is named as a folder when it is one', async () => {
    const dir = await fixture('pip');
    await rm(join(dir, 'requirements.txt'));
    await mkdir(join(dir, 'requirements.txt'));
    const error = await buildLayer({ projectDir: dir, tool: 'pip', indexUrl, yes: true, env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.NOT_A_FILE, message: `${join(dir, 'requirements.txt')} is a folder, not a file` });
  });
});
