/**
 * Fault catalogue, local side (issue 11, part A): Usage errors (exit 2, one line, one JSON object), a
 * bad pyproject value, a missing project folder and AWS profile, and what the file system refuses:
 * EISDIR, -r includes and empty requirements, a FIFO, a non-UTF-8 name, EACCES (the bin run as nobody
 * when the tests run as root) and ENOSPC on a 1 MB tmpfs (mounting needs root; without it those cases
 * are skipped and say so, and core/system-errors.test.ts covers the mapping).
 *
 * The real `layer` bin as a child process (run `npx tsc -b` first), real signals to that PID at a
 * moment the test observes, real pip, uv, moto and file systems; each case asserts the state left
 * behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout, readBuildStamp } from '@lambda-layer/core';
import { errorLines, parseJsonOutput, runLayer, stampBuild, startLayer } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigBuiltProject, env, freshProject, indexUrl, tempDir, useFaultFixtures, zipTemp } from './__fixtures__/faults.js';

const f = useFaultFixtures();

/** Root ignores file modes: as root, the permission case runs the bin as nobody, if this system lets it. */
const NOBODY = { uid: 65534, gid: 65534 };
const cannotBeNobody =
  process.getuid?.() === 0 && spawnSync('true', NOBODY).status !== 0
    ? 'running as root, and this system does not let the tests switch to nobody'
    : '';
if (cannotBeNobody) console.warn(`[cli] skipping the permission case: ${cannotBeNobody}`);

describe('usage errors: exit 2, one line, and with --json one object', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir(f.temps, 'fault-usage-');
    await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  });

  it.each([
    ['an unknown flag', ['build', '--bogus-flag'], {}, /^error: Unknown argument: bogus-flag; run `layer --help` for usage$/],
    ['a flag without its value', ['upload', '--s3dir'], {}, /^error: Not enough arguments following: s3dir; run `layer --help` for usage$/],
    ['--tool nope', ['build', '--tool', 'nope'], {}, /^error: invalid --tool: unknown build tool "nope"; use one of pip, poetry, uv/],
    [
      '--architecture sparc',
      ['build', '--architecture', 'sparc'],
      {},
      /^error: invalid --architecture: unsupported architecture "sparc"; use x86_64 or arm64/,
    ],
    [
      '--python-version 2.7',
      ['build', '--python-version', '2.7'],
      {},
      /^error: invalid --python-version: unsupported Python version "2\.7"; use one of 3\.9, /,
    ],
    [
      '--compression-level 12',
      ['package', '--compression-level', '12'],
      {},
      /^error: invalid --compression-level: compression level must be a whole number from 0 to 9, got 12/,
    ],
    [
      'a bad --s3dir',
      ['upload', '--s3dir', 'bucket/app/'],
      {},
      /^error: invalid --s3dir: invalid S3 URI "bucket\/app\/": it must start with s3:\/\//,
    ],
    [
      '--compatible-runtime python9',
      ['publish', '--layer-name', 'x', '--s3dir', 's3://b-1/x/', '--compatible-runtime', 'python9'],
      {},
      /^error: invalid --compatible-runtime: unknown Lambda runtime "python9"/,
    ],
    [
      'a --layer-name with a space',
      ['publish', '--layer-name', 'my layer', '--s3dir', 's3://b-1/x/'],
      {},
      /^error: invalid --layer-name: invalid layer name "my layer"/,
    ],
    [
      '--endpoint-url notaurl',
      ['upload', '--s3dir', 's3://b-1/x/', '--endpoint-url', 'notaurl'],
      {},
      /^error: invalid --endpoint-url: endpoint URL invalid: "notaurl" is not an http\(s\) URL; pass a URL such as/,
    ],
    [
      'AWS_ENDPOINT_URL notaurl',
      ['upload', '--s3dir', 's3://b-1/x/'],
      { AWS_ENDPOINT_URL: 'notaurl' },
      /^error: invalid AWS_ENDPOINT_URL: endpoint URL invalid: "notaurl"/,
    ],
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
    const bad = await tempDir(f.temps, 'fault-config-');
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
    expect(result.stderr).toContain(
      'warning: s3dir "s3://no-such-bucket-for-this-test/app" does not end with "/": using the folder s3://no-such-bucket-for-this-test/app/',
    );
  });

  it('names a missing project folder (exit 2)', async () => {
    const missing = join(dir, 'no-such-folder');
    const result = await runLayer(['build', '--project-dir', missing, '--json'], { env });
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      `error: the project folder ${missing} does not exist; pass --project-dir with the folder that holds pyproject.toml`,
    ]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_PROJECT_DIR_NOT_FOUND' } });
  });

  it('names a missing AWS profile (exit 2) before any request', async () => {
    const home = await tempDir(f.temps, 'fault-profile-');
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
    const dir = await tempDir(f.temps, 'fault-eisdir-');
    await mkdir(join(dir, 'requirements.txt'));
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `error: ${join(dir, 'requirements.txt')} is a folder, not a file; remove or rename that folder and put the file there`,
    ]);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_NOT_A_FILE' } });
  });

  it('a -r include, and an empty requirements.txt', async () => {
    const dir = await tempDir(f.temps, 'fault-requirements-');
    await writeFile(join(dir, 'requirements.txt'), 'requests==2.32.3\n-r other.txt\n');
    const include = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(include.code).toBe(1);
    expect(errorLines(include.stderr)[0]).toMatch(
      /^error: requirements\.txt includes other files \(-r other\.txt\), whose packages and changes layer would not see; flatten it into one pinned file/,
    );
    await writeFile(join(dir, 'requirements.txt'), '\n# empty\n');
    const empty = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--json'], { env });
    expect(parseJsonOutput(empty)).toMatchObject({ status: 'error', error: { code: 'E_REQUIREMENTS_EMPTY' } });
  });

  it('a FIFO and a file name that is not UTF-8 in artifacts/python/', async () => {
    const dir = await bigBuiltProject(f.temps);
    const python = localLayout(dir).pythonDir;
    execFileSync('mkfifo', [join(python, 'events.pipe')]);
    const fifo = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(fifo.code).toBe(1);
    expect(errorLines(fifo.stderr)).toEqual([
      'error: artifacts/python/events.pipe is a FIFO (named pipe): a layer holds only files, folders and links; remove it, then run `layer build` again',
    ]);
    await rm(join(python, 'events.pipe'));
    await writeFile(Buffer.concat([Buffer.from(`${python}/caf`), Buffer.from([0xe9]), Buffer.from('.py')]), 'x');
    const latin1 = await runLayer(['package', '--project-dir', dir, '--json'], { env });
    expect(latin1.code).toBe(1);
    expect(errorLines(latin1.stderr)[0]).toBe(
      'error: the file name "caf\\xe9.py" in artifacts/python is not UTF-8; rename or remove it: a layer.zip holds UTF-8 names only (`ls -b` shows the name, `mv` with a glob renames it)',
    );
    expect(parseJsonOutput(latin1)).toMatchObject({ status: 'error', error: { code: 'E_FILE_NAME_NOT_UTF8' } });
  });

  it.skipIf(Boolean(cannotBeNobody))(
    `permission denied: a build folder \`layer package\` may not write${cannotBeNobody ? ` (skipped: ${cannotBeNobody})` : ''}`,
    async () => {
      const dir = await bigBuiltProject(f.temps);
      const first = await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env });
      expect(first.code).toBe(0);
      const layout = localLayout(dir);
      const zipBefore = await readFile(layout.layerZip);
      // Root ignores file modes: run the bin as nobody over a tree nobody may read but not write.
      const asNobody = process.getuid?.() === 0 ? NOBODY : {};
      await chmod(dir, 0o755);
      await chmod(layout.buildDir, 0o555);
      try {
        const run = startLayer(['package', '--project-dir', dir, '--force', '--json'], { env, ...asNobody });
        const exit = await run.exited;
        expect(exit.code, exit.stderr).toBe(1);
        expect(errorLines(exit.stderr)).toHaveLength(1);
        expect(errorLines(exit.stderr)[0]).toMatch(
          new RegExp(`^error: permission denied: cannot (create the folder|write|open) ${layout.buildDir}/`),
        );
        expect(JSON.parse(exit.stdout)).toMatchObject({ status: 'error', error: { code: 'E_PERMISSION_DENIED' } });
      } finally {
        await chmod(layout.buildDir, 0o755);
      }
      expect((await readFile(layout.layerZip)).equals(zipBefore)).toBe(true);
      expect(await zipTemp(dir)).toBeUndefined();
    },
  );
});

// A real full disk: a small tmpfs under the build folder. Mounting needs root and a system that lets it
// (not every container does): probed once, and the cases say why when they are skipped.
function probeMount(): string {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = mkdtempSync(join(tmpdir(), 'mount-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (mounted.status !== 0) return `this system refuses to mount a tmpfs (${(mounted.stderr || (mounted.error?.message ?? '')).trim()})`;
    spawnSync('umount', [dir]);
    return '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const cannotMount = probeMount();
if (cannotMount) console.warn(`[cli] skipping the disk-full cases: ${cannotMount} (core/system-errors.test.ts covers the mapping)`);

describe.skipIf(Boolean(cannotMount))(`a full disk (a 1 MB tmpfs as the build folder)${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
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

  it.each(['pip', 'uv'] as const)(
    '%s running out of space: one line with the cause instead of a traceback, no stamp, no staging folder',
    async (installer) => {
      const dir = await freshProject(f.temps, 'pip');
      const buildDir = await smallDisk(dir);
      const result = await runLayer(
        ['build', '--project-dir', dir, '--tool', 'pip', '--installer', installer, '--index-url', indexUrl, '--yes', '--json'],
        { env },
      );
      expect(result.code).toBe(1);
      expect(errorLines(result.stderr)).toHaveLength(1);
      expect(errorLines(result.stderr)[0]).toMatch(
        new RegExp(`^error: ${installer} install failed: disk full: no space left on the device holding ${buildDir}/`),
      );
      expect(errorLines(result.stderr)[0]!.length).toBeLessThan(400);
      expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_DISK_FULL' } });
      expect(await readBuildStamp(localLayout(dir))).toBeUndefined();
      expect((await readdir(buildDir)).filter((name) => name.startsWith('.artifacts.'))).toEqual([]);
    },
  );

  it('layer.zip not fitting: one line naming layer.zip and the bytes needed; no temporary file', async () => {
    const dir = await tempDir(f.temps, 'fault-enospc-');
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
      `error: disk full: no space left on the device holding ${buildDir}/layer.zip (about 700.0 KiB needed); free space there (df -h ${buildDir}) and run again`,
    ]);
    expect((await readdir(buildDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
