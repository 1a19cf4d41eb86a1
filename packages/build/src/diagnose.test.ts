import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildTool, createMemoryLogger, ErrorCodes, type Installer, type LayerError, localLayout } from '@lambda-layer/core';
import { createFixtureProject, type PackageIndex, startPackageIndex, UNREACHABLE_INDEX_URL, wheelCacheDir } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBuild } from './__fixtures__/build.js';
import { createWheel } from './__fixtures__/wheels.js';
import { explainPackage, fileVersion, parseRequirementSpec, pipRequirementSpecs } from './diagnose.js';
import { targetPlatform } from './platform.js';
import type { IndexFile } from './simple-index.js';

const py311 = targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' });
const INSTALLERS = ['uv', 'pip'] as const;
/** The guarantees hold on every installer, from a requirements.txt and from a lock. */
const MANIFESTS_AND_INSTALLERS = (['pip', 'uv'] as const).flatMap((tool) => INSTALLERS.map((installer) => [tool, installer] as const));
const LOCKS_AND_INSTALLERS = (['uv', 'poetry'] as const).flatMap((tool) => INSTALLERS.map((installer) => [tool, installer] as const));
const INDEX = 'https://pypi.org/simple/';

function files(...names: string[]): IndexFile[] {
  return names.map((filename) => ({
    filename,
    url: `https://files.example/${filename}`,
    sha256: undefined,
    requiresPython: undefined,
    yanked: false,
    hasMetadata: false,
  }));
}

/** numpy's real file names (x86_64 and aarch64 Linux, macOS, musllinux), 2.2.6 and 2.4.6. */
const NUMPY = files(
  'numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  'numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
  'numpy-2.2.6-cp311-cp311-musllinux_1_2_x86_64.whl',
  'numpy-2.2.6.tar.gz',
  'numpy-2.3.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl',
  'numpy-2.3.0.tar.gz',
  'numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl',
  'numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl',
  'numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl',
  'numpy-2.4.6-cp311-cp311-macosx_14_0_arm64.whl',
  'numpy-2.4.6-cp311-cp311-musllinux_1_2_x86_64.whl',
  'numpy-2.4.6.tar.gz',
  'numpy-2.5.0rc1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl',
);

describe('explainPackage: why a pinned version does not install, from the index alone', () => {
  it('numpy 2.4.6 on python3.11: its wheels need glibc 2.27; the fixes are an older numpy or python3.12', () => {
    expect(explainPackage({ name: 'numpy', specifier: '==2.4.6' }, NUMPY, py311, INDEX)).toEqual({
      package: 'numpy',
      version: '2.4.6',
      code: ErrorCodes.NO_COMPATIBLE_WHEEL,
      message: 'numpy 2.4.6: its Linux wheels need glibc 2.27 (manylinux_2_27); python3.11 on Lambda has 2.26 — pin numpy<2.3 or target python3.12',
      hint: expect.stringContaining('--container'),
    });
    // The version fits: the installer failed for another reason, nothing to explain here.
    expect(explainPackage({ name: 'numpy', specifier: '==2.2.6' }, NUMPY, py311, INDEX)).toBeUndefined();
  });

  it('a version that does not exist, with the newest that does (pre-releases and yanked ones aside)', () => {
    const six = files('six-1.16.0-py2.py3-none-any.whl', 'six-1.17.0-py2.py3-none-any.whl', 'six-1.17.0.tar.gz');
    expect(explainPackage({ name: 'six', specifier: '==99.0.0' }, six, py311, INDEX)).toMatchObject({
      code: ErrorCodes.PACKAGE_NOT_FOUND,
      message: 'six 99.0.0 does not exist on https://pypi.org/simple/ (newest: 1.17.0)',
    });
    expect(explainPackage({ name: 'numpy', specifier: '>=3' }, NUMPY, py311, INDEX)).toMatchObject({
      message: 'no version of numpy >=3 exists on https://pypi.org/simple/ (newest: 2.4.6)',
    });
  });

  it('no wheel for the machine, or for the Python, says which there are', () => {
    const arm = targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' });
    const x86only = files('fast-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', 'fast-1.0.tar.gz');
    expect(explainPackage({ name: 'fast', specifier: '==1.0' }, x86only, arm, INDEX)).toMatchObject({
      code: ErrorCodes.NO_COMPATIBLE_WHEEL,
      message: 'fast 1.0 has no Linux wheel for aarch64 (arm64); its Linux wheels are for x86_64',
    });
    const py314 = targetPlatform({ pythonVersion: '3.14', architecture: 'x86_64' });
    const older = files('fast-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', 'fast-1.0-cp313-cp313-manylinux_2_17_x86_64.whl');
    expect(explainPackage({ name: 'fast', specifier: '==1.0' }, older, py314, INDEX)).toMatchObject({
      message: 'fast 1.0 has no wheel for python3.14; its Linux wheels are for cp312, cp313 — target python3.13',
    });
  });

  it('a version whose Requires-Python leaves out the target', () => {
    const list = [
      ...files('numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
      ...files('numpy-2.5.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl').map((file) => ({ ...file, requiresPython: '>=3.12' })),
    ];
    expect(explainPackage({ name: 'numpy', specifier: '==2.5.5' }, list, py311, INDEX)).toMatchObject({
      code: ErrorCodes.PYTHON_VERSION_EXCLUDED,
      message: 'numpy 2.5.5 requires Python >=3.12, which excludes python3.11 — pin numpy<2.5.5 or target python3.12',
    });
  });

  it('only a source distribution: the one case left to build', () => {
    expect(explainPackage({ name: 'pure', specifier: '==0.1' }, files('pure-0.1.tar.gz'), py311, INDEX)).toMatchObject({
      name: 'pure',
      version: '0.1',
      sdist: { filename: 'pure-0.1.tar.gz' },
    });
  });

  it('reads requirement lines and what pip quoted', () => {
    expect(parseRequirementSpec('numpy==2.4.6 --hash=sha256:abc')).toEqual({ name: 'numpy', specifier: '==2.4.6' });
    expect(parseRequirementSpec('Requests[socks] >= 2, <3 ; python_version < "3.12"')).toEqual({ name: 'requests', specifier: '>=2,<3' });
    expect(parseRequirementSpec('pkg @ file:///w/pkg.whl')).toBeUndefined();
    expect(
      pipRequirementSpecs('ERROR: Could not find a version that satisfies the requirement numpy<2.3,>=1.2 (from pandas) (from versions: none)'),
    ).toEqual([{ name: 'numpy', specifier: '<2.3,>=1.2' }]);
    expect(fileVersion(files('python-dateutil-2.9.0.post0.tar.gz')[0] as IndexFile)).toBe('2.9.0.post0');
  });
});

describe('refusals from real pip and uv builds, in seconds and before anything compiles', () => {
  let wheels: string;
  let index: PackageIndex;
  const projects: string[] = [];

  beforeAll(async () => {
    wheels = await mkdtemp(join(tmpdir(), 'target-wheels-'));
    // glibcpkg: 1.0 loads everywhere; 2.0's Linux wheels need glibc 2.27 (like numpy 2.3+ for cp311).
    await createWheel(wheels, { name: 'glibcpkg', version: '1.0', tag: 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64' });
    await createWheel(wheels, { name: 'glibcpkg', version: '2.0', tag: 'cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64' });
    await createWheel(wheels, { name: 'glibcpkg', version: '2.0', tag: 'cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64' });
    // dualpkg: tagged 2_24 and 2_28 at once, like pandas 2.3: loads on glibc 2.26.
    await createWheel(wheels, { name: 'dualpkg', version: '1.0', tag: 'cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64' });
    // splitpkg: one file per glibc; python3.11 must get the 2_17 one, which uv left alone would not pick.
    await createWheel(wheels, { name: 'splitpkg', version: '1.0', tag: 'cp311-cp311-manylinux_2_17_x86_64' });
    await createWheel(wheels, { name: 'splitpkg', version: '1.0', tag: 'cp311-cp311-manylinux_2_28_x86_64' });
    index = await startPackageIndex({ dirs: [wheels, wheelCacheDir] });
  });
  afterAll(async () => {
    await index.close();
    await Promise.all([wheels, ...projects].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function project(tool: BuildTool, pins: string[]): Promise<string> {
    const dir = await createFixtureProject(tool, { url: index.url, name: 'targets' }, { direct: pins, pins });
    projects.push(dir);
    return dir;
  }

  async function refusal(
    dir: string,
    tool: BuildTool,
    installer: Installer,
    pythonVersion: '3.11' | '3.12',
    indexUrl = index.url,
  ): Promise<{ error: LayerError; seconds: number }> {
    const started = Date.now();
    const error = (await testBuild({ projectDir: dir, tool, installer, pythonVersion, indexUrl, force: true }).catch(
      (e: unknown) => e,
    )) as LayerError;
    expect(error).toBeInstanceOf(Error);
    // Nothing half-built is left for the package step.
    await expect(access(localLayout(dir).artifactsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    return { error, seconds: (Date.now() - started) / 1000 };
  }

  it.each(MANIFESTS_AND_INSTALLERS)(
    '%s manifest, %s installer: glibcpkg 2.0 for python3.11 is refused at once, with the fix',
    async (tool, installer) => {
      const dir = await project(tool, ['glibcpkg==2.0', 'six==1.17.0']);
      const { error } = await refusal(dir, tool, installer, '3.11');
      expect(error.code).toBe(ErrorCodes.NO_COMPATIBLE_WHEEL);
      expect(error.message).toBe(
        'glibcpkg 2.0: its Linux wheels need glibc 2.27 (manylinux_2_27); python3.11 on Lambda has 2.26 — pin glibcpkg<2.0 or target python3.12',
      );
      // The same lock builds for python3.12 (AL2023, glibc 2.34).
      const built = await testBuild({ projectDir: dir, tool, installer, indexUrl: index.url });
      expect(built.packages).toEqual(['glibcpkg==2.0', 'six==1.17.0']);
    },
    90_000,
  );

  it.each(MANIFESTS_AND_INSTALLERS)(
    '%s manifest, %s installer: python3.11 gets the 2_24 wheel and, of two files, the one glibc 2.26 loads',
    async (tool, installer) => {
      const dir = await project(tool, ['dualpkg==1.0', 'splitpkg==1.0']);
      const logger = createMemoryLogger({ verbose: true });
      const result = await testBuild({ projectDir: dir, tool, installer, pythonVersion: '3.11', indexUrl: index.url, logger });
      expect(result.packages).toEqual(['dualpkg==1.0', 'splitpkg==1.0']);
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(join(result.pythonDir, 'splitpkg', '__init__.py'), 'utf8')).toBe('TAG = "cp311-cp311-manylinux_2_17_x86_64"\n');
      expect(await readFile(join(result.pythonDir, 'dualpkg', '__init__.py'), 'utf8')).toContain('manylinux_2_24_x86_64');
      if (installer === 'uv') expect(logger.lines.join('\n')).toContain('splitpkg: hid 1 wheel(s) needing a newer glibc');
    },
    90_000,
  );

  it.each(INSTALLERS)(
    'requirements.txt, %s installer: six 99.0.0 does not exist on the index, and the newest that does is named',
    async (installer) => {
      const dir = await project('pip', ['six==99.0.0', 'idna==3.10']);
      const { error, seconds } = await refusal(dir, 'pip', installer, '3.12');
      expect(error).toMatchObject({ code: ErrorCodes.PACKAGE_NOT_FOUND, message: `six 99.0.0 does not exist on ${index.url} (newest: 1.17.0)` });
      expect(seconds).toBeLessThan(30);
    },
    60_000,
  );

  it.each(MANIFESTS_AND_INSTALLERS)(
    '%s manifest, %s installer: an unreachable index is said to be unreachable, not "no wheel"',
    async (tool, installer) => {
      const dir = await project(tool, ['six==1.17.0']);
      const dead = UNREACHABLE_INDEX_URL;
      const { error, seconds } = await refusal(dir, tool, installer, '3.12', dead);
      expect(error).toMatchObject({ code: ErrorCodes.INDEX_UNREACHABLE, message: `cannot reach ${dead}: connection refused` });
      expect(seconds).toBeLessThan(30);
    },
    60_000,
  );
});

describe('the project itself against the target', () => {
  const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it.each(LOCKS_AND_INSTALLERS)(
    '%s, %s installer: a target outside requires-python is refused (not an empty layer)',
    async (tool, installer) => {
      const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' }, { direct: ['six==1.17.0'], requiresPython: '>=3.11,<3.12' });
      dirs.push(dir);
      const error = (await testBuild({ projectDir: dir, tool, installer, indexUrl }).catch((e: unknown) => e)) as LayerError;
      expect(error).toMatchObject({
        code: ErrorCodes.PYTHON_VERSION_EXCLUDED,
        message: 'the project requires-python >=3.11,<3.12 excludes python3.12',
      });
      expect(error.hint).toContain('--python-version 3.11');
      await expect(access(localLayout(dir).buildDir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
    60_000,
  );

  it.each(LOCKS_AND_INSTALLERS)(
    '%s, %s installer: a lock older than pyproject.toml is refused, with the command that fixes it',
    async (tool, installer) => {
      const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' }, { direct: ['six==1.17.0'] });
      dirs.push(dir);
      const { readFile } = await import('node:fs/promises');
      const pyproject = await readFile(join(dir, 'pyproject.toml'), 'utf8');
      await writeFile(join(dir, 'pyproject.toml'), pyproject.replace('"six==1.17.0"', '"six==1.17.0", "idna==3.10"'));
      const error = (await testBuild({ projectDir: dir, tool, installer, indexUrl }).catch((e: unknown) => e)) as LayerError;
      expect(error.code).toBe(ErrorCodes.LOCK_OUTDATED);
      expect(error.message).toContain(`${tool === 'uv' ? 'uv.lock' : 'poetry.lock'} is out of date with pyproject.toml`);
      expect(error.hint).toContain(tool === 'uv' ? 'run `uv lock`' : 'run `poetry lock`');
      // Refused before anything was installed: no artifacts, no staging folder.
      await expect(access(localLayout(dir).artifactsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
    60_000,
  );

  it.each(INSTALLERS)(
    'requirements.txt, %s installer: names every requirement not pinned to one version',
    async (installer) => {
      const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' }, { pins: ['idna==3.10', 'six', 'urllib3>=2,<3'] });
      dirs.push(dir);
      const logger = createMemoryLogger();
      const result = await testBuild({ projectDir: dir, tool: 'pip', installer, indexUrl, logger });
      expect(result.packages).toEqual(['idna==3.10', 'six==1.17.0', 'urllib3==2.3.0']);
      expect(logger.lines).toContain(
        'warning: requirements.txt: six, urllib3>=2,<3 are not pinned to one version: the layer will not change until the manifest does (pin with ==, e.g. `pip freeze` or `pip-compile`)',
      );
    },
    60_000,
  );
});
