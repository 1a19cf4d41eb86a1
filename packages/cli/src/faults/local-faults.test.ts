/**
 * The fault catalogue of the local side (issue 11, part A): the real `layer`
 * bin as a child process, real signals sent to that PID at a moment the test
 * observes (a download the index holds, a temporary file that grows), real
 * pip, uv, moto and file systems. Each case asserts the state left behind
 * (artifacts, stamps, layer.zip, temporary files, running processes, S3 and
 * Lambda), the exit code, the one line and the one JSON object.
 *
 * Needs the built bin (`npx tsc -b`). The disk-full cases mount a small tmpfs
 * and the permission cases run the bin as `nobody` when the tests run as root
 * (root ignores file modes); without root the tmpfs cases are skipped and say
 * so, and the disk-full mapping is covered by core's system-errors.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { localLayout, readBuildStamp, verifyArtifacts } from '@lambda-layer/core';
import {
  createTestBucket,
  errorLines,
  type PackageIndex,
  parseJsonOutput,
  runLayer,
  runningWith,
  stampBuild,
  startLayer,
  startPackageIndex,
  testLambdaClient,
  testS3Client,
  uniqueName,
  wheelCacheDir,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureProject, toolCacheEnv } from '../../../build/src/__fixtures__/projects.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
/** A signalled step must be gone well within this (the contract says 2 s; the machine is shared). */
const STOP_DEADLINE_MS = 5_000;
const temps: string[] = [];
let stalling: PackageIndex;

beforeAll(async () => {
  // An index that never answers a download: a tool that asked for one is provably mid-install.
  stalling = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
});
afterAll(async () => {
  await stalling.close();
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A fixture project already built once (the previous good state a fault must not lose). */
async function builtProject(tool: 'pip' | 'uv'): Promise<string> {
  const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' });
  temps.push(dir);
  const first = await runLayer(['build', '--project-dir', dir, '--tool', tool, '--index-url', indexUrl, '--yes', '--json'], { env });
  expect(first.code, first.stderr).toBe(0);
  return dir;
}

/** Fresh tool caches: the tool must download, and the held download is the moment to interrupt it. */
async function emptyCachesEnv(): Promise<NodeJS.ProcessEnv> {
  const caches = await tempDir('tool-caches-');
  return { ...env, UV_CACHE_DIR: join(caches, 'uv'), PIP_CACHE_DIR: join(caches, 'pip') };
}

const buildFolderTemps = async (dir: string) => (await readdir(localLayout(dir).buildDir)).filter((name) => name.endsWith('.tmp'));

/** What a fault must leave: the previous build intact and vouched for by its unchanged stamp. */
async function expectPreviousBuildIntact(dir: string, stampBefore: string): Promise<void> {
  const layout = localLayout(dir);
  expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
  await expect(verifyArtifacts(layout)).resolves.toBeDefined();
}

function expectInterrupted(exit: { code: number | null; stdout: string; stderr: string; msAfterSignal: number | undefined }, code: number, line: string) {
  expect(exit.code, exit.stderr).toBe(code);
  expect(exit.msAfterSignal).toBeLessThan(STOP_DEADLINE_MS);
  expect(errorLines(exit.stderr)).toEqual([line]);
  expect(exit.stderr).not.toMatch(/\n\s+at /);
  expect(exit.stdout.trim().split('\n')).toHaveLength(1);
  const json = JSON.parse(exit.stdout) as { status: string; error: { code: string; message: string; hint?: string } };
  expect(json).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED' } });
  expect(`error: ${json.error.message}; ${json.error.hint}`).toBe(line);
}

describe('signals during `layer build`', () => {
  it('SIGINT while pip downloads: pip is terminated, exit 130, the previous build and its stamp stay, nothing left running', async () => {
    const dir = await builtProject('pip');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv() });
    await run.waitUntil(() => stalling.requests.slice(seen).some((path) => path.startsWith('/files/')), 'pip to ask for a wheel');
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
    const dir = await builtProject('uv');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--index-url', stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv() });
    await run.waitUntil(() => stalling.requests.slice(seen).some((path) => path.startsWith('/files/')), 'uv to ask for a wheel');
    run.kill('SIGTERM');
    expectInterrupted(await run.exited, 143, 'error: interrupted by SIGTERM: artifacts/python/ still holds the previous build; run `layer build` again');
    await expectPreviousBuildIntact(dir, stampBefore);
    expect(await buildFolderTemps(dir)).toEqual([]);
    expect(runningWith(localLayout(dir).buildDir)).toEqual([]);
  });

  it('a second Ctrl-C quits at once: still 130, one JSON object, no tool left running, the previous build intact', async () => {
    const dir = await builtProject('pip');
    const stampBefore = await readFile(localLayout(dir).buildStamp, 'utf8');
    const seen = stalling.requests.length;
    const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', stalling.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv() });
    await run.waitUntil(() => stalling.requests.slice(seen).some((path) => path.startsWith('/files/')), 'pip to ask for a wheel');
    run.kill('SIGINT');
    await run.waitForStderr(/warning: SIGINT: stopping/);
    run.kill('SIGINT');
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
    const dir = await builtProject('uv');
    const layout = localLayout(dir);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer(['build', '--project-dir', dir, '--index-url', held.url, '--force', '--yes', '--json'], { env: await emptyCachesEnv() });
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
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    temps.push(dir);
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', held.url, '--yes'], { env: await emptyCachesEnv() });
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

/** A project whose artifacts/python/ is big enough that packaging it at level 9 takes seconds, stamped as built. */
async function bigBuiltProject(): Promise<string> {
  const dir = await tempDir('fault-package-');
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
  await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  const python = localLayout(dir).pythonDir;
  await mkdir(python, { recursive: true });
  for (let i = 0; i < 24; i += 1) await writeFile(join(python, `blob${String(i).padStart(2, '0')}.txt`), randomBytes(1_500_000).toString('base64'));
  await stampBuild(dir, 'uv');
  return dir;
}

const zipTemp = async (dir: string) => (await readdir(localLayout(dir).buildDir)).find((name) => /^\.layer\.zip\.\d+\.[0-9a-f]+\.tmp$/.test(name));

async function waitForGrowingTemp(run: ReturnType<typeof startLayer>, dir: string): Promise<void> {
  await run.waitUntil(async () => {
    const name = await zipTemp(dir);
    return name !== undefined && ((await stat(join(localLayout(dir).buildDir, name)).catch(() => undefined))?.size ?? 0) > 1024 * 1024;
  }, 'the temporary zip to hold data');
}

describe('signals during `layer package`', () => {
  let dir: string;
  let zipBefore: Buffer;
  let stampBefore: string;
  beforeAll(async () => {
    dir = await bigBuiltProject();
    const first = await runLayer(['package', '--project-dir', dir, '--compression-level', '1', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    zipBefore = await readFile(localLayout(dir).layerZip);
    stampBefore = await readFile(localLayout(dir).packageStamp, 'utf8');
  });

  it('SIGINT mid-write: exit 130, "layer.zip was not changed" and it was not, nor its stamp; no temporary file', async () => {
    const run = startLayer(['package', '--project-dir', dir, '--force', '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGINT');
    expectInterrupted(await run.exited, 130, 'error: interrupted by SIGINT: layer.zip was not changed; run `layer package` again');
    expect((await readFile(localLayout(dir).layerZip)).equals(zipBefore)).toBe(true);
    expect(await readFile(localLayout(dir).packageStamp, 'utf8')).toBe(stampBefore);
    expect(await zipTemp(dir)).toBeUndefined();
  });

  it('SIGKILL mid-write: layer.zip and its stamp untouched; the next run removes the temporary file', async () => {
    const run = startLayer(['package', '--project-dir', dir, '--force', '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(await zipTemp(dir)).toBeDefined();
    expect((await readFile(localLayout(dir).layerZip)).equals(zipBefore)).toBe(true);
    expect(await readFile(localLayout(dir).packageStamp, 'utf8')).toBe(stampBefore);
    const next = await runLayer(['package', '--project-dir', dir, '--compression-level', '1', '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(next).status).toBe('unchanged');
    expect(next.stderr).toContain('removed 1 temporary file(s) left by a killed run');
    expect(await zipTemp(dir)).toBeUndefined();
  });
});

describe('`layer upload` takes only a finished package of the current build', () => {
  it('refuses the zip of an earlier build after a new build and a killed package, then uploads once packaging finishes', async () => {
    const dir = await bigBuiltProject();
    const bucket = await createTestBucket(testS3Client(), 'fault-upload');
    const s3dir = `s3://${bucket}/app/lambda/`;
    expect((await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env })).code).toBe(0);
    // A new build (another tree), then its packaging killed midway.
    await writeFile(join(localLayout(dir).pythonDir, 'blob00.txt'), randomBytes(1_500_000).toString('base64'));
    await stampBuild(dir, 'uv');
    const run = startLayer(['package', '--project-dir', dir, '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGKILL');
    await run.exited;

    const refused = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual(['error: layer.zip was packaged from an earlier build than the one in artifacts/python/; run `layer package`']);
    expect(parseJsonOutput(refused)).toMatchObject({ status: 'error', error: { code: 'E_LAYER_ZIP_UNVERIFIED' } });
    expect((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);

    expect((await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env })).code).toBe(0);
    const uploaded = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env });
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(uploaded).status).toBe('uploaded');
  });
});

describe('signals during `layer workflow`', () => {
  async function workflowProject() {
    const dir = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    temps.push(dir);
    const bucket = await createTestBucket(testS3Client(), 'fault-workflow');
    const layerName = uniqueName('fault-wf');
    return { dir, bucket, layerName, args: ['workflow', '--project-dir', dir, '--s3dir', `s3://${bucket}/app/lambda/`, '--layer-name', layerName, '--yes', '--json'] };
  }
  const versionsOf = async (layerName: string) =>
    (await testLambdaClient().send(new ListLayerVersionsCommand({ LayerName: layerName })).catch(() => ({ LayerVersions: [] }))).LayerVersions ?? [];

  it('SIGTERM in the build step: exit 143, nothing uploaded or published, and the line says where it stopped', async () => {
    const { dir, bucket, layerName, args } = await workflowProject();
    const seen = stalling.requests.length;
    const run = startLayer([...args, '--index-url', stalling.url], { env: await emptyCachesEnv() });
    await run.waitUntil(() => stalling.requests.slice(seen).some((path) => path.startsWith('/files/')), 'uv to ask for a wheel');
    run.kill('SIGTERM');
    expectInterrupted(
      await run.exited,
      143,
      'error: interrupted by SIGTERM: nothing was built (artifacts/python/ was not changed) (the workflow stopped in the build step); run `layer workflow` again',
    );
    expect((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);
    expect(await versionsOf(layerName)).toEqual([]);
    expect(runningWith(dir)).toEqual([]);
  });

  it('SIGKILL in the build step, then a re-run: exactly one layer version', async () => {
    const { dir, layerName, args } = await workflowProject();
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer([...args, '--index-url', held.url], { env: await emptyCachesEnv() });
      await held.firstDownload;
      run.kill('SIGKILL');
      await run.exited;
    } finally {
      await held.close();
    }
    expect(await readBuildStamp(localLayout(dir))).toBeUndefined();
    const again = await runLayer([...args, '--index-url', indexUrl], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(again).status).toBe('published');
    expect((await versionsOf(layerName)).map((version) => version.Version)).toEqual([1]);
  });
});

describe('usage errors: exit 2, one line, and with --json one object', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('fault-usage-');
    await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  });

  it.each([
    ['an unknown flag', ['build', '--bogus-flag'], {}, /^error: Unknown argument: bogus-flag; run `layer --help` for usage$/],
    ['a flag without its value', ['upload', '--s3dir'], {}, /^error: Not enough arguments following: s3dir; run `layer --help` for usage$/],
    ['--tool nope', ['build', '--tool', 'nope'], {}, /^error: invalid --tool: unknown build tool "nope"; use one of pip, poetry, uv/],
    ['--architecture sparc', ['build', '--architecture', 'sparc'], {}, /^error: invalid --architecture: unsupported architecture "sparc"; use x86_64 or arm64/],
    ['--python-version 2.7', ['build', '--python-version', '2.7'], {}, /^error: invalid --python-version: unsupported Python version "2\.7"; use one of 3\.8, /],
    ['--compression-level 12', ['package', '--compression-level', '12'], {}, /^error: invalid --compression-level: compression level must be a whole number from 0 to 9, got 12/],
    ['a bad --s3dir', ['upload', '--s3dir', 'bucket/app/'], {}, /^error: invalid --s3dir: invalid S3 URI "bucket\/app\/": it must start with s3:\/\//],
    ['--compatible-runtime python9', ['publish', '--layer-name', 'x', '--s3dir', 's3://b-1/x/', '--compatible-runtime', 'python9'], {}, /^error: invalid --compatible-runtime: unknown Lambda runtime "python9"/],
    ['a --layer-name with a space', ['publish', '--layer-name', 'my layer', '--s3dir', 's3://b-1/x/'], {}, /^error: invalid --layer-name: invalid layer name "my layer"/],
    ['--endpoint-url notaurl', ['upload', '--s3dir', 's3://b-1/x/', '--endpoint-url', 'notaurl'], {}, /^error: invalid --endpoint-url: endpoint URL invalid: "notaurl" is not an http\(s\) URL; pass a URL such as/],
    ['AWS_ENDPOINT_URL notaurl', ['upload', '--s3dir', 's3://b-1/x/'], { AWS_ENDPOINT_URL: 'notaurl' }, /^error: invalid AWS_ENDPOINT_URL: endpoint URL invalid: "notaurl"/],
    ['LAYER_TOOL=nope', ['build'], { LAYER_TOOL: 'nope' }, /^error: invalid LAYER_TOOL: unknown build tool "nope"/],
    ['a missing required setting', ['upload'], {}, /^error: missing setting s3dir; pass --s3dir, set LAYER_S3DIR/],
  ] as const)('%s', async (_, args, extraEnv, line) => {
    const result = await runLayer([...args, '--project-dir', dir, '--json'], { env: { ...env, ...extraEnv } });
    expect(result.code, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(errorLines(result.stderr)[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const json = parseJsonOutput<{ status: string; error: { code: string; message: string } }>(result);
    expect(json.status).toBe('error');
    expect(json.error.code).toMatch(/^E_(USAGE|CONFIG_MISSING_VALUE)$/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('a bad value in pyproject.toml is a config error (exit 1) naming the file', async () => {
    const bad = await tempDir('fault-config-');
    await writeFile(join(bad, 'pyproject.toml'), '[tool.lambda-layer]\narchitecture = "sparc"\n');
    const result = await runLayer(['build', '--project-dir', bad, '--json'], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `error: invalid architecture in [tool.lambda-layer] of ${join(bad, 'pyproject.toml')}: unsupported architecture "sparc"; use x86_64 or arm64 (--architecture)`,
    ]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_CONFIG_INVALID_VALUE' } });
  });

  it('an s3dir without its trailing "/" is used as that folder, with a warning', async () => {
    const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', 's3://no-such-bucket-for-this-test/app', '--json'], { env });
    expect(result.stderr).toContain('warning: s3dir "s3://no-such-bucket-for-this-test/app" does not end with "/": using the folder s3://no-such-bucket-for-this-test/app/');
  });

  it('names a missing project folder (exit 2)', async () => {
    const missing = join(dir, 'no-such-folder');
    const result = await runLayer(['build', '--project-dir', missing, '--json'], { env });
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([`error: the project folder ${missing} does not exist; pass --project-dir with the folder that holds pyproject.toml`]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_PROJECT_DIR_NOT_FOUND' } });
  });

  it('names a missing AWS profile (exit 2) before any request', async () => {
    const home = await tempDir('fault-profile-');
    await writeFile(join(home, 'config'), '[profile other]\nregion = eu-west-1\n');
    await writeFile(join(home, 'credentials'), '[other]\naws_access_key_id = x\naws_secret_access_key = y\n');
    const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', 's3://b-1/app/', '--profile', 'nope', '--json'], {
      env: { ...env, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials') },
    });
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      `error: AWS profile "nope" (from --profile) is not in ${join(home, 'config')} or ${join(home, 'credentials')}; create it (\`aws configure --profile nope\` or \`aws configure sso\`) or pass an existing --profile`,
    ]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_AWS_PROFILE_NOT_FOUND' } });
  });
});

describe('what the file system refuses, in one line naming the path', () => {
  it('a folder named requirements.txt', async () => {
    const dir = await tempDir('fault-eisdir-');
    await mkdir(join(dir, 'requirements.txt'));
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([`error: ${join(dir, 'requirements.txt')} is a folder, not a file; remove or rename that folder and put the file there`]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_NOT_A_FILE' } });
  });

  it('a -r include, and an empty requirements.txt', async () => {
    const dir = await tempDir('fault-requirements-');
    await writeFile(join(dir, 'requirements.txt'), 'requests==2.32.3\n-r other.txt\n');
    const include = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(include.code).toBe(1);
    expect(errorLines(include.stderr)[0]).toMatch(/^error: requirements\.txt includes other files \(-r other\.txt\), whose packages and changes layer would not see; flatten it into one pinned file/);
    await writeFile(join(dir, 'requirements.txt'), '\n# empty\n');
    const empty = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(parseJsonOutput(empty)).toMatchObject({ status: 'error', error: { code: 'E_REQUIREMENTS_EMPTY' } });
  });

  it('a FIFO and a file name that is not UTF-8 in artifacts/python/', async () => {
    const dir = await bigBuiltProject();
    const python = localLayout(dir).pythonDir;
    execFileSync('mkfifo', [join(python, 'events.pipe')]);
    const fifo = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(fifo.code).toBe(1);
    expect(errorLines(fifo.stderr)).toEqual(['error: artifacts/python/events.pipe is a FIFO (named pipe): a layer holds only files, folders and links; remove it, then run `layer build` again']);
    await rm(join(python, 'events.pipe'));
    await writeFile(Buffer.concat([Buffer.from(`${python}/caf`), Buffer.from([0xe9]), Buffer.from('.py')]), 'x');
    const latin1 = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(latin1.code).toBe(1);
    expect(errorLines(latin1.stderr)[0]).toBe('error: the file name "caf\\xe9.py" in artifacts/python is not UTF-8; rename or remove it: a layer.zip holds UTF-8 names only (`ls -b` shows the name, `mv` with a glob renames it)');
    expect(parseJsonOutput(latin1)).toMatchObject({ status: 'error', error: { code: 'E_FILE_NAME_NOT_UTF8' } });
  });

  it('permission denied: a build folder `layer package` may not write', async () => {
    const dir = await bigBuiltProject();
    const first = await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env });
    expect(first.code).toBe(0);
    const layout = localLayout(dir);
    const zipBefore = await readFile(layout.layerZip);
    // Root ignores file modes: run the bin as nobody over a tree nobody may read but not write.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    await chmod(dir, 0o755);
    await chmod(layout.buildDir, 0o555);
    try {
      const run = startLayer(['package', '--project-dir', dir, '--force', '--json'], { env, ...asNobody });
      const exit = await run.exited;
      expect(exit.code, exit.stderr).toBe(1);
      expect(errorLines(exit.stderr)).toHaveLength(1);
      expect(errorLines(exit.stderr)[0]).toMatch(new RegExp(`^error: permission denied: cannot (create the folder|write|open) ${layout.buildDir}/`));
      expect(JSON.parse(exit.stdout)).toMatchObject({ status: 'error', error: { code: 'E_PERMISSION_DENIED' } });
    } finally {
      await chmod(layout.buildDir, 0o755);
    }
    expect((await readFile(layout.layerZip)).equals(zipBefore)).toBe(true);
    expect(await zipTemp(dir)).toBeUndefined();
  });
});

// A real full disk: a small tmpfs under the build folder (needs root to mount).
const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
if (!canMount) console.warn('[cli] skipping the disk-full cases: mounting a tmpfs needs root (core/system-errors.test.ts covers the mapping)');

describe.skipIf(!canMount)('a full disk (a 1 MB tmpfs as the build folder)', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const mount of mounts) spawnSync('umount', ['-l', mount]);
  });
  async function smallDisk(dir: string): Promise<string> {
    const buildDir = localLayout(dir).buildDir;
    await mkdir(buildDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', buildDir]);
    mounts.push(buildDir);
    return buildDir;
  }

  it('pip running out of space: one line with the cause instead of a traceback, no stamp, no staging folder', async () => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    temps.push(dir);
    const buildDir = await smallDisk(dir);
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--index-url', indexUrl, '--yes', '--json'], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(errorLines(result.stderr)[0]).toMatch(new RegExp(`^error: pip install failed: disk full: no space left on the device holding ${buildDir}/`));
    expect(errorLines(result.stderr)[0]!.length).toBeLessThan(400);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_DISK_FULL' } });
    expect(await readBuildStamp(localLayout(dir))).toBeUndefined();
    expect((await readdir(buildDir)).filter((name) => name.startsWith('.artifacts.'))).toEqual([]);
  });

  it('layer.zip not fitting: one line naming layer.zip and the bytes needed; no temporary file', async () => {
    const dir = await tempDir('fault-enospc-');
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
    const buildDir = await smallDisk(dir);
    const python = localLayout(dir).pythonDir;
    await mkdir(python, { recursive: true });
    // Incompressible, under the disk's size once but not twice (the tree and its zip).
    await writeFile(join(python, 'blob.bin'), randomBytes(700 * 1024));
    await stampBuild(dir, 'uv');
    const result = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `error: disk full: no space left on the device holding ${buildDir}/layer.zip (about 700.0 KB needed); free space there (df -h ${buildDir}) and run again`,
    ]);
    expect((await readdir(buildDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
