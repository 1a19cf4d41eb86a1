/**
 * Small Python projects for the tests (build, cli, the lanes), generated in temp folders with
 * real locks: `uv lock` and `poetry lock` run against the given (loopback)
 * index, so the locks point at it.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildTool } from '@lambda-layer/core';
import { run } from './processes.js';

/** The main dependencies of every fixture, resolved: what must land in the layer, exactly. */
export const MAIN_PACKAGES = [
  'certifi==2025.1.31',
  'charset-normalizer==3.4.1',
  'idna==3.10',
  'markupsafe==3.0.2',
  'pyyaml==6.0.2',
  'requests==2.32.3',
  'urllib3==2.3.0',
];
export const DIRECT = ['requests==2.32.3', 'markupsafe==3.0.2', 'pyyaml==6.0.2'];
/** A dev dependency: locked, never in the layer. */
export const DEV_PACKAGE = 'iniconfig==2.0.0';

export interface FixtureIndex {
  url: string;
  /** The name the project calls it (uv index / Poetry source). */
  name: string;
  username?: string;
  password?: string;
}

/** Tools' caches stay out of the developer's home. */
export const toolCacheEnv = {
  POETRY_CACHE_DIR: join(tmpdir(), 'lambda-layer-test-poetry-cache'),
  UV_CACHE_DIR: join(tmpdir(), 'lambda-layer-test-uv-cache'),
  UV_PYTHON_DOWNLOADS: 'never',
  // `poetry lock` needs no virtualenv of its own.
  POETRY_VIRTUALENVS_CREATE: 'false',
};

async function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await run(command, args, { cwd, env });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

function pyproject(tool: BuildTool, index: FixtureIndex, direct: readonly string[], requiresPython = '>=3.11'): string {
  const deps = direct.map((d) => `"${d}"`).join(', ');
  const head = `[project]\nname = "fixture-app"\nversion = "0.1.0"\nrequires-python = "${requiresPython}"\ndependencies = [${deps}]\n`;
  if (tool === 'uv') return `${head}\n[dependency-groups]\ndev = ["${DEV_PACKAGE}"]\n`;
  if (tool === 'poetry') {
    const [name, version] = DEV_PACKAGE.split('==');
    return `${head}\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.group.dev.dependencies]\n${name} = "${version}"\n\n[[tool.poetry.source]]\nname = "${index.name}"\nurl = "${index.url}"\npriority = "primary"\n`;
  }
  return head;
}

/** Creates a project for `tool` with its lock, against `index`. */
export async function createFixtureProject(
  tool: BuildTool,
  index: FixtureIndex,
  options: { direct?: readonly string[]; pins?: readonly string[]; requiresPython?: string } = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `build-${tool}-`));
  const direct = options.direct ?? DIRECT;
  await writeFile(join(dir, 'pyproject.toml'), pyproject(tool, index, direct, options.requiresPython));
  const upper = index.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
  if (tool === 'pip') {
    await writeFile(join(dir, 'requirements.txt'), `${(options.pins ?? MAIN_PACKAGES).join('\n')}\n`);
    // A dev requirements file beside it: the build must not read it.
    await writeFile(join(dir, 'requirements-dev.txt'), `${DEV_PACKAGE}\n`);
  } else if (tool === 'uv') {
    if (index.username) Object.assign(env, { [`UV_INDEX_${upper}_USERNAME`]: index.username, [`UV_INDEX_${upper}_PASSWORD`]: index.password });
    await mustRun('uv', ['lock', '--default-index', `${index.name}=${index.url}`], dir, env);
  } else {
    if (index.username)
      Object.assign(env, { [`POETRY_HTTP_BASIC_${upper}_USERNAME`]: index.username, [`POETRY_HTTP_BASIC_${upper}_PASSWORD`]: index.password });
    await mustRun('poetry', ['lock', '--no-interaction'], dir, env);
  }
  return dir;
}

/** `name==version` of every package a uv.lock or poetry.lock holds (the project itself aside). */
export async function lockedPackages(dir: string, tool: 'uv' | 'poetry'): Promise<string[]> {
  const text = await readFile(join(dir, tool === 'uv' ? 'uv.lock' : 'poetry.lock'), 'utf8');
  const out: string[] = [];
  for (const block of text.split('[[package]]').slice(1)) {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"/m.exec(block)?.[1];
    if (!name || !version || /source = \{ (virtual|editable) = /.test(block)) continue;
    out.push(`${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version}`);
  }
  return out.sort();
}

/** A source distribution made here: `native` has a C extension, otherwise it is pure Python. */
export async function createSdist(outDir: string, name: string, native: boolean): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'sdist-'));
  const root = join(work, `${name}-0.1.0`);
  await mkdir(join(root, name), { recursive: true });
  await writeFile(join(root, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
  await writeFile(join(root, 'PKG-INFO'), `Metadata-Version: 2.1\nName: ${name}\nVersion: 0.1.0\n`);
  if (native) {
    await writeFile(
      join(root, `${name}.c`),
      `#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "${name}", NULL, -1, NULL};\nPyMODINIT_FUNC PyInit_${name}(void) { return PyModule_Create(&m); }\n`,
    );
    await writeFile(
      join(root, 'setup.py'),
      `from setuptools import setup, Extension\nsetup(name="${name}", version="0.1.0", ext_modules=[Extension("${name}", ["${name}.c"])])\n`,
    );
    await writeFile(join(root, name, '.keep'), '');
  } else {
    await writeFile(join(root, 'setup.py'), `from setuptools import setup\nsetup(name="${name}", version="0.1.0", packages=["${name}"])\n`);
    await writeFile(join(root, name, '__init__.py'), 'VALUE = 42\n');
  }
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `${name}-0.1.0.tar.gz`);
  // Byte-for-byte the same on every run: the tools cache sdists by name and version and check them against the lock's hash.
  const result = await run('sh', [
    '-c',
    'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - "$2" | gzip -n > "$3"',
    'sh',
    work,
    `${name}-0.1.0`,
    file,
  ]);
  if (result.code !== 0) throw new Error(result.stderr);
  return file;
}

export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Every file under dir whose bytes contain `needle` (for "the password is nowhere in the tree"). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const visit = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile() && (await readFile(full)).includes(needle)) hits.push(full);
    }
  };
  await visit(dir);
  return hits;
}
