import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildTool, createMemoryLogger, ErrorCodes, InterruptReason, type LayerError, localLayout, verifyArtifacts } from '@lambda-layer/core';
import { createFixtureProject, createSdist, type PackageIndex, startPackageIndex, wheelCacheDir } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBuild } from './__fixtures__/build.js';
import { parseRequirements } from './requirements.js';
import { isPureWheel, withBuiltWheels } from './sdist.js';

let index: PackageIndex;
let sdists: string;
const projects: string[] = [];

beforeAll(async () => {
  sdists = await mkdtemp(join(tmpdir(), 'sdists-'));
  await createSdist(sdists, 'puresdist', false);
  await createSdist(sdists, 'otherpure', false);
  await createSdist(sdists, 'nativeonly', true);
  index = await startPackageIndex({ dirs: [sdists, wheelCacheDir] });
});

afterAll(async () => {
  await index.close();
  await Promise.all([sdists, ...projects].map((dir) => rm(dir, { recursive: true, force: true })));
});

async function project(tool: BuildTool, direct: string[]): Promise<string> {
  const dir = await createFixtureProject(tool, { url: index.url, name: 'sdists' }, { direct, pins: direct });
  projects.push(dir);
  return dir;
}

describe('packages with only a source distribution', () => {
  it.each((['pip', 'uv', 'poetry'] as const).flatMap((tool) => (['uv', 'pip'] as const).map((installer) => [tool, installer] as const)))(
    '%s manifest, %s installer: builds a pure-Python sdist into a wheel and installs it for the target',
    async (tool, installer) => {
      const dir = await project(tool, ['idna==3.10', 'puresdist==0.1.0']);
      const result = await testBuild({ projectDir: dir, tool, installer, architecture: 'arm64', indexUrl: index.url });
      expect(result.packages).toEqual(['idna==3.10', 'puresdist==0.1.0']);
      await access(join(result.pythonDir, 'puresdist', '__init__.py'));
    },
    90_000,
  );

  // An installer may name only the first version it cannot install: the build repeats the run (up to 3 rounds) until every sdist is built.
  it.each([
    ['pip', 'uv'],
    ['pip', 'pip'],
    ['uv', 'uv'],
  ] as const)(
    '%s manifest, %s installer: builds two pure-Python sdists into one layer',
    async (tool, installer) => {
      const dir = await project(tool, ['idna==3.10', 'otherpure==0.1.0', 'puresdist==0.1.0']);
      const logger = createMemoryLogger({ verbose: true });
      const result = await testBuild({ projectDir: dir, tool, installer, indexUrl: index.url, logger });
      expect(logger.lines.filter((line) => line.includes('no wheel on the index; building its pure-Python source distribution'))).toHaveLength(2);
      expect(result.packages).toEqual(['idna==3.10', 'otherpure==0.1.0', 'puresdist==0.1.0']);
      for (const name of ['otherpure', 'puresdist']) await access(join(result.pythonDir, name, '__init__.py'));
    },
    180_000,
  );

  it.each([
    ['pip', 'uv'],
    ['pip', 'pip'],
    ['uv', 'uv'],
    ['uv', 'pip'],
  ] as const)(
    '%s manifest, %s installer: fails on a native-only sdist, naming the package and suggesting --container',
    async (tool, installer) => {
      const dir = await project(tool, ['idna==3.10', 'nativeonly==0.1.0']);
      const error = (await testBuild({ projectDir: dir, tool, installer, indexUrl: index.url }).catch((e: unknown) => e)) as LayerError;
      expect(error).toMatchObject({ code: ErrorCodes.NATIVE_SDIST_ONLY, details: { package: 'nativeonly' } });
      // Refused before anything compiled: the sdist's own files say it is native.
      expect(error.message).toBe(
        'nativeonly 0.1.0 has no wheel for python3.12 on x86_64, only a source distribution with native code (nativeonly.c)',
      );
      await expect(access(join(localLayout(dir).repoDir, 'sdist', 'nativeonly', 'wheels'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(error.hint).toContain('--container');
      // No half-built layer is left for the package step to zip.
      await expect(access(localLayout(dir).artifactsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
    90_000,
  );
});

describe('an interrupted sdist build', () => {
  it('stops a held sdist download at once, keeps the previous build and its stamp, and leaves no staging folder', async () => {
    const dir = await project('pip', ['puresdist==0.1.0']);
    const layout = localLayout(dir);
    await testBuild({ projectDir: dir, tool: 'pip', installer: 'pip', indexUrl: index.url });
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    // Only the sdist is on this index, and its download never answers: the build is provably in the sdist step when stopped.
    const stalling = await startPackageIndex({ dirs: [sdists], holdDownloads: true });
    try {
      const controller = new AbortController();
      const build = testBuild({
        projectDir: dir,
        tool: 'pip',
        installer: 'pip',
        indexUrl: stalling.url,
        force: true,
        signal: controller.signal,
      }).catch((e: unknown) => e);
      expect(await stalling.firstDownload).toBe('puresdist-0.1.0.tar.gz');
      const stopped = Date.now();
      controller.abort(new InterruptReason('SIGINT'));
      const error = await build;
      // Generous under load, far below the download's own 300 s deadline.
      expect(Date.now() - stopped).toBeLessThan(10_000);
      expect(error).toMatchObject({
        code: ErrorCodes.INTERRUPTED,
        oneLine: 'interrupted by SIGINT: artifacts/python/ still holds the previous build; run `layer build` again',
      });
      expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
      await expect(verifyArtifacts(layout)).resolves.toBeDefined();
      expect((await readdir(layout.buildDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      await expect(access(join(layout.repoDir, 'sdist', 'puresdist', 'puresdist-0.1.0.tar.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await stalling.close();
    }
  }, 120_000);
});

describe('withBuiltWheels', () => {
  it('points a built package at its wheel, hashed when the file uses hashes', () => {
    const entries = parseRequirements('idna==3.10 \\\n  --hash=sha256:aaa\npuresdist==0.1.0 \\\n  --hash=sha256:bbb\n');
    const out = withBuiltWheels(entries, [{ name: 'puresdist', path: '/w/puresdist-0.1.0-py3-none-any.whl', sha256: 'ccc' }]);
    expect(out.map((e) => e.text)).toEqual([
      'idna==3.10 --hash=sha256:aaa',
      'puresdist @ file:///w/puresdist-0.1.0-py3-none-any.whl --hash=sha256:ccc',
    ]);
    expect(withBuiltWheels(parseRequirements('puresdist==0.1.0\n'), [{ name: 'puresdist', path: '/w/p.whl', sha256: 'c' }])[0]?.text).toBe(
      'puresdist @ file:///w/p.whl',
    );
  });

  it('knows a pure wheel by its tag', () => {
    expect(isPureWheel('a-1.0-py3-none-any.whl')).toBe(true);
    expect(isPureWheel('a-1.0-cp312-cp312-linux_x86_64.whl')).toBe(false);
  });
});
