import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { BuildResult } from '@lambda-layer/core';
import {
  createFixtureProject,
  layerCacheDir,
  MAIN_PACKAGES,
  type PackageIndex,
  parseJsonOutput,
  runLayer,
  startPackageIndex,
  toolCacheEnv,
  wheelCacheDir,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
const dirs: string[] = [];

async function fixture(tool: 'pip' | 'uv' | 'poetry', url = indexUrl): Promise<string> {
  const dir = await createFixtureProject(tool, { url, name: 'loopback' });
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('layer build (the bin)', () => {
  it('builds a uv lock for 3.12 arm64, prints one JSON result, then reports unchanged', async () => {
    const dir = await fixture('uv');
    const args = [
      'build',
      '--project-dir',
      dir,
      '--tool',
      'uv',
      '--python-version',
      '3.12',
      '--architecture',
      'arm64',
      '--index-url',
      indexUrl,
      '--yes',
      '--json',
    ];
    const first = await runLayer(args, { env });
    expect(first.code, first.stderr).toBe(0);
    const result = parseJsonOutput<BuildResult>(first);
    expect(result).toMatchObject({
      status: 'built',
      tool: 'uv',
      pythonVersion: '3.12',
      architecture: 'arm64',
      container: false,
      packages: MAIN_PACKAGES,
    });
    expect(result.pythonDir).toBe(join(dir, 'build', 'lambda', 'layer', 'artifacts', 'python'));
    expect(first.stderr).toContain('Step 1.1 - ');
    expect(first.stderr).toContain('Step 2.5 - Put the new build in place and record it');

    const second = await runLayer(args, { env });
    expect(second.code).toBe(0);
    expect(parseJsonOutput<BuildResult>(second)).toEqual({ ...result, status: 'unchanged' });

    const forced = await runLayer([...args.filter((a) => a !== '--yes'), '--force'], { env });
    expect(forced.code).toBe(0);
    expect(parseJsonOutput<BuildResult>(forced).status).toBe('built');
    // No terminal in a test: the previous build is replaced without asking, and it says so.
    expect(forced.stderr).toContain('no terminal to ask: the previous build in');
  });

  it('finds the tool from the lock file and the target from [tool.lambda-layer], printing a summary without --json', async () => {
    const dir = await fixture('poetry');
    const pyproject = await readFile(join(dir, 'pyproject.toml'), 'utf8');
    await writeFile(join(dir, 'pyproject.toml'), `${pyproject}\n[tool.lambda-layer]\npython-version = "3.11"\narchitecture = "arm64"\n`);
    // pyproject.toml changed after `poetry lock` only in a section Poetry ignores.
    const result = await runLayer(['build', '--project-dir', dir, '--index-url', indexUrl, '--yes'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`built: ${MAIN_PACKAGES.length} packages for Python 3.11 on arm64 with poetry`);
    expect(result.stdout).toContain(join(dir, 'build', 'lambda', 'layer', 'artifacts', 'python'));
  });

  it('takes the installer from --installer, LAYER_INSTALLER or [tool.lambda-layer] installer (flag first), uv by default', async () => {
    const dir = await fixture('uv');
    const pyproject = await readFile(join(dir, 'pyproject.toml'), 'utf8');
    await writeFile(join(dir, 'pyproject.toml'), `${pyproject}\n[tool.lambda-layer]\ninstaller = "pip"\n`);
    const build = (extra: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      runLayer(['build', '--project-dir', dir, '--index-url', indexUrl, '--yes', '--force', '--json', ...extra], { env: { ...env, ...extraEnv } });
    const fromPyproject = await build([]);
    expect(fromPyproject.code, fromPyproject.stderr).toBe(0);
    expect(parseJsonOutput<BuildResult>(fromPyproject)).toMatchObject({
      tool: 'uv',
      installer: 'pip',
      installerVersion: '25.3',
      packages: MAIN_PACKAGES,
    });
    expect(parseJsonOutput<BuildResult>(await build([], { LAYER_INSTALLER: 'uv' }))).toMatchObject({ installer: 'uv', installerVersion: '0.13.9' });
    expect(parseJsonOutput<BuildResult>(await build(['--installer', 'pip'], { LAYER_INSTALLER: 'uv' }))).toMatchObject({ installer: 'pip' });
    await writeFile(join(dir, 'pyproject.toml'), pyproject);
    expect(parseJsonOutput<BuildResult>(await build([]))).toMatchObject({ installer: 'uv' });

    const usage = await build(['--installer', 'conda']);
    expect(usage.code).toBe(2);
    expect(parseJsonOutput(usage)).toMatchObject({
      status: 'error',
      error: { code: 'E_USAGE', message: 'invalid --installer: unknown installer "conda"' },
    });
    const help = await runLayer(['build', '--help']);
    expect(help.stdout).toMatch(/--installer\s+who installs the locked wheels: uv \(default\) or pip/);
  });

  it('fails in one line, exit 1, when the lock is missing', async () => {
    const dir = await fixture('pip');
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'uv', '--json'], { env });
    expect(result.code).toBe(1);
    expect(parseJsonOutput(result)).toMatchObject({
      status: 'error',
      error: { code: 'E_MANIFEST_NOT_FOUND', hint: 'run `uv lock` in the project folder' },
    });
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('error:')),
    ).toEqual([`error: uv.lock not found in ${dir} (the uv build needs it); run \`uv lock\` in the project folder`]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  describe('a private index: credentials from the environment only', () => {
    let privateIndex: PackageIndex;
    const password = 'cli-pass-7f3e9a';
    beforeAll(async () => {
      privateIndex = await startPackageIndex({ dirs: [wheelCacheDir], auth: { username: 'ci', password } });
    });
    afterAll(async () => {
      await privateIndex.close();
    });

    it('builds with LAYER_INDEX_USERNAME/PASSWORD and fails clearly with a wrong password, never printing it', async () => {
      const dir = await fixture('pip');
      const args = ['build', '--project-dir', dir, '--tool', 'pip', '--index-url', privateIndex.url, '--yes', '--json', '--debug'];
      const ok = await runLayer(args, { env: { ...env, LAYER_INDEX_USERNAME: 'ci', LAYER_INDEX_PASSWORD: password } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(parseJsonOutput<BuildResult>(ok).packages).toEqual(MAIN_PACKAGES);
      expect(`${ok.stdout}${ok.stderr}`).not.toContain(password);
      expect(ok.stderr).toContain('debug: $ '); // the tool's own output was logged, redacted

      const bad = await runLayer([...args, '--force'], { env: { ...env, LAYER_INDEX_USERNAME: 'ci', LAYER_INDEX_PASSWORD: 'not-the-password' } });
      expect(bad.code).toBe(1);
      expect(parseJsonOutput(bad)).toMatchObject({
        status: 'error',
        error: { code: 'E_INDEX_AUTH_FAILED', message: `the package index ${privateIndex.url} refused the credentials (HTTP 401)` },
      });
      expect(`${bad.stdout}${bad.stderr}`).not.toContain('not-the-password');
    });
  });

  it('--container runs the exact docker command (a docker stand-in on PATH records it)', async () => {
    const dir = await fixture('pip');
    const bin = await mkdtemp(join(tmpdir(), 'fake-docker-'));
    dirs.push(bin);
    await writeFile(
      join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Docker version 99.0.0, build fake"; exit 0; fi\nprintf '%s\\n' "$@" > "${bin}/argv"\n`,
    );
    await chmod(join(bin, 'docker'), 0o755);
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--python-version', '3.11', '--container', '--yes', '--json'], {
      env: { ...env, PATH: `${bin}${delimiter}${env.PATH}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJsonOutput<BuildResult>(result)).toMatchObject({ status: 'built', container: true, pythonVersion: '3.11' });
    const argv = (await readFile(join(bin, 'argv'), 'utf8')).trimEnd().split('\n');
    // The container installs into the build's staging folder, swapped in as artifacts/ once complete.
    const target = argv[argv.indexOf('--target') + 1] as string;
    expect(target).toMatch(/^\/var\/task\/build\/lambda\/layer\/\.artifacts\.\d+\.[0-9a-f]{8}\.tmp\/python$/);
    expect(argv).toEqual([
      'run',
      '--rm',
      '--platform',
      'linux/amd64',
      '--volume',
      `${dir}:/var/task`,
      '--workdir',
      '/var/task',
      '--user',
      `${process.getuid?.()}:${process.getgid?.()}`,
      '--env',
      'HOME=/tmp',
      // The pinned pip from the tool cache runs inside the image.
      '--volume',
      `${join(layerCacheDir, 'tools', 'pip-25.3')}:/opt/lambda-layer-pip:ro`,
      'public.ecr.aws/sam/build-python3.11:latest-x86_64',
      'python',
      '-I',
      '/opt/lambda-layer-pip/pip',
      'install',
      '--no-input',
      '--disable-pip-version-check',
      '--no-compile',
      '--target',
      target,
      '-r',
      '/var/task/build/lambda/layer/repo/requirements.container.txt',
    ]);
    expect(result.stderr).toContain(`$ docker ${argv.join(' ')}`);
  });
});
