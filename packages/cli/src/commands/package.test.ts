import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PackageResult } from '@lambda-layer/core';
import { parseJsonOutput, runLayer, stampBuild } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built bin (packages/cli/bin/layer.js): `npx tsc -b` first.
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-package-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A project after `layer build`: artifacts/python holds `files`. */
async function project(files: Record<string, string>, pyproject = '[project]\nname = "app"\nversion = "0.1.0"\n'): Promise<string> {
  const dir = await mkdtemp(join(root, 'project-'));
  await writeFile(join(dir, 'pyproject.toml'), pyproject);
  await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, 'build', 'lambda', 'layer', 'artifacts', 'python', path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  if (Object.keys(files).length) await stampBuild(dir, 'uv');
  return dir;
}

const FILES = {
  'six.py': 'x = 1\n'.repeat(100),
  'pkg/__init__.py': '',
  'pkg/tests/test_a.py': 'def test(): pass\n',
  'pkg/__pycache__/__init__.cpython-312.pyc': 'bytecode',
  'botocore/__init__.py': 'boto',
  'pip-24.0.dist-info/RECORD': '',
};

const names = (zipPath: string) =>
  execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zipPath], { encoding: 'utf8' })
    .trim()
    .split('\n');

describe('layer package (the bin)', () => {
  it('packages with --json, then reports unchanged, then packages again with --force', async () => {
    const dir = await project(FILES);
    const first = await runLayer(['package', '--project-dir', dir, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = parseJsonOutput<PackageResult>(first);
    const zipPath = join(dir, 'build', 'lambda', 'layer', 'layer.zip');
    expect(result).toMatchObject({ status: 'packaged', zipPath, files: 3, unzippedBytes: 617 });
    expect(result.zippedBytes).toBe((await readFile(zipPath)).length);
    expect(result.excluded.map((e) => e.name).sort()).toEqual(['botocore', 'bytecode (__pycache__/, *.pyc)', 'pip']);
    expect(names(zipPath)).toEqual([
      'python/',
      'python/pkg/',
      'python/pkg/__init__.py',
      'python/pkg/tests/',
      'python/pkg/tests/test_a.py',
      'python/six.py',
    ]);
    expect(first.stderr).toContain('Step 1.4 - Scan artifacts/python and apply exclusions');
    expect(first.stderr).toMatch(/excluded botocore: 1 files, 4 B/);

    const second = await runLayer(['package', '--project-dir', dir, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(parseJsonOutput<PackageResult>(second)).toEqual({ ...result, status: 'unchanged' });

    const forced = await runLayer(['package', '--project-dir', dir, '--json', '--force']);
    expect(parseJsonOutput<PackageResult>(forced)).toEqual(result);
  });

  it('maps --ignore, --no-default-ignore, --keep-bytecode and --compression-level', async () => {
    const dir = await project(FILES);
    const run = await runLayer([
      'package',
      '--project-dir',
      dir,
      '--json',
      '--ignore',
      'tests',
      '--ignore',
      '*.dist-info',
      '--no-default-ignore',
      '--keep-bytecode',
      '--compression-level',
      '0',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = parseJsonOutput<PackageResult>(run);
    expect(result.excluded.map((e) => e.name).sort()).toEqual(['*.dist-info', 'tests']);
    expect(names(result.zipPath)).toEqual([
      'python/',
      'python/botocore/',
      'python/botocore/__init__.py',
      'python/pkg/',
      'python/pkg/__init__.py',
      'python/pkg/__pycache__/',
      'python/pkg/__pycache__/__init__.cpython-312.pyc',
      'python/six.py',
    ]);
    const methods = execFileSync(
      'python3',
      ['-c', 'import sys, zipfile; print({i.compress_type for i in zipfile.ZipFile(sys.argv[1]).infolist()})', result.zipPath],
      { encoding: 'utf8' },
    );
    expect(methods.trim()).toBe('{0}');
  });

  it('reads ignore from [tool.lambda-layer] and prints a human summary without --json', async () => {
    const dir = await project(FILES, '[project]\nname = "app"\n\n[tool.lambda-layer]\nignore = ["tests"]\n');
    const run = await runLayer(['package', '--project-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`packaged ${join(dir, 'build', 'lambda', 'layer', 'layer.zip')}`);
    expect(run.stdout).toMatch(/2 files, .* unzipped -> .* zipped/);
    expect(run.stdout).toMatch(/excluded .*tests.* saved\)/);
    expect(run.stdout).toMatch(/sha256 [0-9a-f]{64} \(base64 /);
  });

  it('fails in one line, exit 1, when nothing was built; exit 2 for a bad compression level', async () => {
    const dir = await project({});
    const missing = await runLayer(['package', '--project-dir', dir, '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
      expect.stringMatching(/no layer content at .*artifacts\/python; run `layer build` first/),
    ]);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    expect(parseJsonOutput(missing)).toMatchObject({ status: 'error', error: { code: 'E_ARTIFACTS_NOT_FOUND' } });

    const bad = await runLayer(['package', '--project-dir', await project(FILES), '--json', '--compression-level', '12']);
    expect(bad.code).toBe(2);
    expect(parseJsonOutput(bad)).toMatchObject({
      status: 'error',
      error: { code: 'E_USAGE', message: 'invalid --compression-level: compression level must be a whole number from 0 to 9, got 12' },
    });
  });
});
