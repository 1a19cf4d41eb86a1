/**
 * The public-index lane (`npm run test:public-index`): real builds from
 * pypi.org with the pinned pip and uv, as a new user would run them, each
 * guarantee from a requirements.txt and from a lock, with each installer.
 *
 * - python3.11 x86_64 with pandas 2.3.3 (its cp311 wheel is manylinux_2_24):
 *   built from requirements.txt and uv.lock by uv and by pip, imported (every
 *   compiled extension) by a host python3.11;
 *   pip picks the newest numpy that loads on glibc 2.26 (2.2.x, not 2.3+).
 * - numpy 2.4.6 for python3.11 refused in under 60 s, with the fix.
 * - six 99.0.0, an unreachable index, Poetry outside requires-python: one line each.
 * - a python3.10 layer imported by Python 3.10.
 * - the same lock from two folders and two host Pythons: equal layer.zip.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer } from '@lambda-layer/build';
import { type BuildTool, ErrorCodes, type Installer, INSTALLERS, type LayerError, localLayout } from '@lambda-layer/core';
import { packageLayer } from '@lambda-layer/package';
import { pathWithPython, pyenvPython, run, toolCacheEnv } from '@lambda-layer/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { importEveryExtension } from './import-check.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
delete env.PIP_INDEX_URL;
delete env.UV_DEFAULT_INDEX;

/** A project for `tool` with these direct requirements: requirements.txt, or pyproject.toml locked by uv or Poetry against pypi.org. */
async function project(tool: BuildTool, requirements: string[], options: { requiresPython?: string; lockPython?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `public-${tool}-`));
  dirs.push(dir);
  if (tool === 'pip') {
    await writeFile(join(dir, 'requirements.txt'), `${requirements.join('\n')}\n`);
    return dir;
  }
  const deps = requirements.map((r) => JSON.stringify(r)).join(', ');
  // Poetry reads pypi.org through its JSON API unless told it is a simple index; only the simple API is reachable here.
  const poetry =
    tool === 'poetry'
      ? '\n[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = "pypi-simple"\nurl = "https://pypi.org/simple/"\npriority = "primary"\n'
      : '';
  await writeFile(
    join(dir, 'pyproject.toml'),
    `[project]\nname = "public-app"\nversion = "0.1.0"\nrequires-python = "${options.requiresPython ?? '>=3.10'}"\ndependencies = [${deps}]\n${poetry}`,
  );
  const lockEnv: NodeJS.ProcessEnv = { ...env };
  if (options.lockPython) {
    // Poetry locks with an interpreter the project allows; it may make a venv for that.
    const host = await pathWithPython(options.lockPython, env.PATH);
    dirs.push(host.dir);
    Object.assign(lockEnv, { PATH: host.path, POETRY_VIRTUALENVS_CREATE: 'true', POETRY_VIRTUALENVS_PATH: join(dir, '.venvs') });
  }
  const lock = await run(tool, tool === 'uv' ? ['lock'] : ['lock', '--no-interaction'], { cwd: dir, env: lockEnv });
  if (lock.code !== 0) throw new Error(`${tool} lock failed:\n${lock.stdout}\n${lock.stderr}`);
  return dir;
}

async function refusal(
  dir: string,
  tool: BuildTool,
  installer: Installer,
  pythonVersion: '3.11' | '3.12',
  indexUrl?: string,
): Promise<{ error: LayerError; seconds: number }> {
  const started = Date.now();
  const error = (await buildLayer({
    projectDir: dir,
    tool,
    installer,
    pythonVersion,
    architecture: 'x86_64',
    ...(indexUrl ? { indexUrl } : {}),
    yes: true,
    env,
  }).catch((e: unknown) => e)) as LayerError;
  expect(error).toBeInstanceOf(Error);
  return { error, seconds: (Date.now() - started) / 1000 };
}

/** The guarantees hold on every installer, from a requirements.txt and from a lock. */
const TOOLS_AND_INSTALLERS = (['pip', 'uv'] as const).flatMap((tool) => INSTALLERS.map((installer) => [tool, installer] as const));

const python310 = pyenvPython(10);
const python311 = pyenvPython(11) ?? 'python3';
const python312 = pyenvPython(12);

describe('python3.11 on Amazon Linux 2 (glibc 2.26), from pypi.org', () => {
  it.each(TOOLS_AND_INSTALLERS)(
    '%s manifest, %s installer: pandas 2.3.3 (manylinux_2_24) builds and every extension imports with a host python3.11',
    async (tool, installer) => {
      // uv locks for every Python at once: the lock must keep numpy below 2.3 for 3.11, as the refusal below says.
      const dir = await project(tool, tool === 'pip' ? ['pandas==2.3.3'] : ['pandas==2.3.3', 'numpy<2.3'], { requiresPython: '>=3.11' });
      const result = await buildLayer({ projectDir: dir, tool, installer, pythonVersion: '3.11', architecture: 'x86_64', yes: true, env });
      expect(result.packages).toContain('pandas==2.3.3');
      // The resolver took the newest numpy whose wheels load on glibc 2.26.
      const numpy = result.packages.find((p) => p.startsWith('numpy=='));
      expect(numpy).toMatch(/^numpy==2\.2\.\d+$/);
      const report = await importEveryExtension(python311, [], result.pythonDir);
      expect(report.failed).toEqual([]);
      expect(report.imported).toEqual(expect.arrayContaining(['pandas._libs.lib', 'numpy._core._multiarray_umath']));
      expect(report.imported.length).toBeGreaterThan(40);
    },
    600_000,
  );

  it.each(TOOLS_AND_INSTALLERS)(
    '%s manifest, %s installer: numpy 2.4.6 is refused in under 60 s: its wheels need glibc 2.27',
    async (tool, installer) => {
      const dir = await project(tool, ['numpy==2.4.6'], { requiresPython: '>=3.11' });
      const { error, seconds } = await refusal(dir, tool, installer, '3.11');
      expect(error).toMatchObject({
        code: ErrorCodes.NO_COMPATIBLE_WHEEL,
        message: 'numpy 2.4.6: its Linux wheels need glibc 2.27 (manylinux_2_27); python3.11 on Lambda has 2.26 — pin numpy<2.3 or target python3.12',
      });
      expect(seconds).toBeLessThan(60);
      await expect(readFile(join(localLayout(dir).pythonDir, 'numpy', '__init__.py'))).rejects.toMatchObject({ code: 'ENOENT' });
    },
    120_000,
  );
});

describe('refusals in one line, from pypi.org', () => {
  it.each(INSTALLERS)(
    '%s installer: six 99.0.0 does not exist, and the newest six is named',
    async (installer) => {
      const dir = await project('pip', ['six==99.0.0']);
      const { error, seconds } = await refusal(dir, 'pip', installer, '3.12');
      expect(error.code).toBe(ErrorCodes.PACKAGE_NOT_FOUND);
      expect(error.message).toMatch(/^six 99\.0\.0 does not exist on https:\/\/pypi\.org\/simple\/ \(newest: 1\.\d+\.\d+\)$/);
      expect(seconds).toBeLessThan(60);
    },
    120_000,
  );

  it.each(TOOLS_AND_INSTALLERS)(
    '%s manifest, %s installer: an index that does not resolve is said to be unreachable',
    async (tool, installer) => {
      const dir = await project(tool, ['six==1.17.0']);
      const dead = 'https://pypi.invalid/simple/';
      const { error, seconds } = await refusal(dir, tool, installer, '3.12', dead);
      expect(error.code).toBe(ErrorCodes.INDEX_UNREACHABLE);
      expect(error.message).toMatch(
        /^cannot reach https:\/\/pypi\.invalid\/simple\/: (unknown host pypi\.invalid|DNS lookup of pypi\.invalid failed)$/,
      );
      expect(seconds).toBeLessThan(60);
    },
    120_000,
  );

  it.skipIf(!python312).each(INSTALLERS)(
    'Poetry, %s installer: a project for Python 3.12 only is refused for python3.11, not built empty',
    async (installer) => {
      const dir = await project('poetry', ['six==1.17.0'], { requiresPython: '>=3.12,<3.13', lockPython: python312 as string });
      const { error } = await refusal(dir, 'poetry', installer, '3.11');
      expect(error).toMatchObject({
        code: ErrorCodes.PYTHON_VERSION_EXCLUDED,
        message: 'the project requires-python >=3.12,<3.13 excludes python3.11',
      });
      const built = await buildLayer({ projectDir: dir, tool: 'poetry', installer, pythonVersion: '3.12', architecture: 'x86_64', yes: true, env });
      expect(built.packages).toEqual(['six==1.17.0']);
    },
    180_000,
  );
});

describe('other Pythons', () => {
  it.skipIf(!python310).each(INSTALLERS)(
    '%s installer: a python3.10 layer imports with Python 3.10, every extension',
    async (installer) => {
      const dir = await project('pip', ['pyyaml==6.0.2', 'markupsafe==3.0.2', 'charset-normalizer==3.4.1', 'orjson==3.10.15', 'requests==2.32.3']);
      const result = await buildLayer({ projectDir: dir, tool: 'pip', installer, pythonVersion: '3.10', architecture: 'x86_64', yes: true, env });
      const report = await importEveryExtension(python310 as string, [], result.pythonDir);
      expect(report.failed).toEqual([]);
      expect(report.imported).toEqual(expect.arrayContaining(['yaml._yaml', 'markupsafe._speedups', 'charset_normalizer.md', 'orjson.orjson']));
    },
    300_000,
  );

  it.skipIf(!python312).each(INSTALLERS)(
    '%s installer: the same requirements from two folders with host Python 3.11 and 3.12: equal layer.zip',
    async (installer) => {
      const requirements = ['pandas==2.3.3', 'numpy==2.2.6', 'charset-normalizer==3.4.1'];
      const [a, b] = [await project('pip', requirements), await project('pip', requirements)];
      const host312 = await pathWithPython(python312 as string, env.PATH);
      dirs.push(host312.dir);
      const zips: string[] = [];
      for (const [dir, buildEnv] of [
        [a, env],
        [b, { ...env, PATH: host312.path }],
      ] as const) {
        await buildLayer({ projectDir: dir, tool: 'pip', installer, pythonVersion: '3.12', architecture: 'x86_64', yes: true, env: buildEnv });
        const packaged = await packageLayer({ projectDir: dir, tool: 'pip' });
        zips.push(
          createHash('sha256')
            .update(await readFile(packaged.zipPath))
            .digest('hex'),
        );
      }
      expect(zips[1]).toBe(zips[0]);
    },
    600_000,
  );
});
