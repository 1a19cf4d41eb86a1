import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createMemoryLogger, ErrorCodes, localLayout } from '@lambda-layer/core';
import { createFixtureProject, filesContaining, MAIN_PACKAGES, pythonOf, toolCacheEnv } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from './build-layer.js';
import { containerBuildCommand, isLoopbackUrl, samBuildImage } from './container.js';
import { installerDir } from './installers.js';
import { validateBuildOptions } from './options.js';
import { targetPlatform } from './platform.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };

describe('containerBuildCommand', () => {
  it('installs with pip: --installer uv with --container is refused, pip or no --installer is taken', () => {
    expect(() => validateBuildOptions({ projectDir: '.', tool: 'uv', container: true, installer: 'uv' })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.INVALID_OPTION,
        message: '--installer uv cannot be used with --container: the SAM build image installs with the pinned pip',
      }),
    );
    expect(validateBuildOptions({ projectDir: '.', tool: 'uv', container: true }).installer).toBe('pip');
    expect(validateBuildOptions({ projectDir: '.', tool: 'uv', container: true, installer: 'pip' }).installer).toBe('pip');
    expect(validateBuildOptions({ projectDir: '.', tool: 'uv' }).installer).toBe('uv');
  });

  it('is the exact docker run of the SAM build image, project at /var/task, credentials by name only', () => {
    const layout = localLayout('/home/me/app');
    const command = containerBuildCommand({
      layout,
      platform: targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' }),
      requirementsFile: layout.repoFile('requirements.txt'),
      complete: true,
      passEnv: ['PIP_INDEX_URL'],
      user: { uid: 1000, gid: 1000 },
    });
    expect(command).toEqual({
      command: 'docker',
      args: [
        'run',
        '--rm',
        '--platform',
        'linux/arm64',
        '--volume',
        '/home/me/app:/var/task',
        '--workdir',
        '/var/task',
        '--user',
        '1000:1000',
        '--env',
        'HOME=/tmp',
        '--env',
        'PIP_INDEX_URL',
        'public.ecr.aws/sam/build-python3.12:latest-arm64',
        'python',
        '-m',
        'pip',
        'install',
        '--no-input',
        '--disable-pip-version-check',
        '--no-compile',
        '--target',
        '/var/task/build/lambda/layer/artifacts/python',
        '--no-deps',
        '-r',
        '/var/task/build/lambda/layer/repo/requirements.txt',
      ],
    });
    expect(samBuildImage(targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' }))).toBe(
      'public.ecr.aws/sam/build-python3.11:latest-x86_64',
    );
    // Behind a proxy with a private CA: the proxy by name, the CA file mounted read-only for pip.
    const proxied = containerBuildCommand({
      layout,
      platform: targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' }),
      requirementsFile: layout.repoFile('requirements.txt'),
      complete: true,
      passEnv: ['HTTPS_PROXY', 'NO_PROXY'],
      caBundle: '/etc/corp/ca.pem',
    });
    expect(proxied.args.join(' ')).toContain(
      '--env HTTPS_PROXY --env NO_PROXY --volume /etc/corp/ca.pem:/opt/lambda-layer-ca-bundle.pem:ro --env PIP_CERT=/opt/lambda-layer-ca-bundle.pem public.ecr.aws/sam/',
    );
    expect(isLoopbackUrl('http://127.0.0.1:8080/simple/')).toBe(true);
    expect(isLoopbackUrl('https://pkgs.example.com/simple/')).toBe(false);
  });
});

// The docker stand-in runs the container's pip with a Python 3.12 of this machine (the image's is 3.12).
const python312 = pythonOf(12);

describe.skipIf(!python312)(
  `buildLayer with container: true (docker stand-in on PATH)${python312 ? '' : ' (skipped: no Python 3.12 on PATH or in pyenv)'}`,
  () => {
    let dir: string;
    let bin: string;
    const password = 'container-secret-4711';

    beforeAll(async () => {
      dir = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
      bin = await mkdtemp(join(tmpdir(), 'fake-docker-'));
      // Records what the build ran it with (argv, and the index URL it received through its environment), then runs
      // the container's command here as the SAM image would: its --volume paths mapped back to this machine, `python`
      // a Python 3.12 of this machine, so the install is real and an empty one fails the test.
      await writeFile(
        join(bin, 'docker'),
        [
          '#!/usr/bin/env python3',
          'import os, sys',
          'args = sys.argv[1:]',
          'if args == ["--version"]:',
          '    print("Docker version 99.0.0, build fake"); sys.exit(0)',
          `open(${JSON.stringify(join(bin, 'argv'))}, "w").write("\\n".join(args) + "\\n")`,
          `open(${JSON.stringify(join(bin, 'pip-index-url'))}, "w").write(os.environ.get("PIP_INDEX_URL", ""))`,
          'volumes, workdir, i = [], "/", 1',
          'while args[i].startswith("-"):',
          '    if args[i] in ("--rm",): i += 1; continue',
          '    if args[i] == "--volume": volumes.append(args[i + 1].split(":")[:2])',
          '    if args[i] == "--workdir": workdir = args[i + 1]',
          '    i += 2',
          'def local(arg):',
          '    for host, inside in sorted(volumes, key=lambda v: -len(v[1])):',
          '        if arg == inside or arg.startswith(inside + "/"): return host + arg[len(inside):]',
          '    return arg',
          'command = [local(arg) for arg in args[i + 1:]]',
          `if command[0] == "python": command[0] = ${JSON.stringify(python312 ?? 'python3.12')}`,
          'os.chdir(local(workdir))',
          'os.execvp(command[0], command)',
          '',
        ].join('\n'),
      );
      await chmod(join(bin, 'docker'), 0o755);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(bin, { recursive: true, force: true });
    });

    it('runs exactly the docker command, passing the index credentials through the environment', async () => {
      const logger = createMemoryLogger({ verbose: true });
      const result = await buildLayer({
        projectDir: dir,
        tool: 'uv',
        pythonVersion: '3.12',
        architecture: 'x86_64',
        container: true,
        indexUrl,
        credentials: { username: 'me', password },
        yes: true,
        env: { ...env, PATH: `${bin}${delimiter}${env.PATH}` },
        logger,
      });
      const layout = localLayout(dir);
      const argv = (await readFile(join(bin, 'argv'), 'utf8')).trimEnd().split('\n');
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      // The container installs into the build's staging folder, swapped in as artifacts/ once complete.
      const target = argv[argv.indexOf('--target') + 1] as string;
      expect(target).toMatch(/^\/var\/task\/build\/lambda\/layer\/\.artifacts\.\d+\.[0-9a-f]{8}\.tmp\/python$/);
      expect(argv).toEqual([
        'run',
        '--rm',
        '--platform',
        'linux/amd64',
        '--volume',
        `${layout.projectDir}:/var/task`,
        '--workdir',
        '/var/task',
        '--user',
        `${uid}:${gid}`,
        '--env',
        'HOME=/tmp',
        '--network',
        'host',
        '--env',
        'PIP_INDEX_URL',
        // The pinned pip from the tool cache, not the image's.
        '--volume',
        `${await installerDir('pip', env)}:/opt/lambda-layer-pip:ro`,
        'public.ecr.aws/sam/build-python3.12:latest-x86_64',
        'python',
        '-I',
        '/opt/lambda-layer-pip/pip',
        'install',
        '--no-input',
        '--disable-pip-version-check',
        '--no-compile',
        '--target',
        target,
        '--no-deps',
        '-r',
        '/var/task/build/lambda/layer/repo/requirements.container.txt',
      ]);
      const url = new URL(indexUrl);
      url.username = 'me';
      url.password = password;
      expect(await readFile(join(bin, 'pip-index-url'), 'utf8')).toBe(url.toString());
      // The pinned set read from the lock (hashes, no markers) is in the project tree; the password is not.
      expect(await readFile(layout.repoFile('requirements.container.txt'), 'utf8')).toMatch(/^requests==2\.32\.3 --hash=sha256:[0-9a-f]{64}/m);
      expect(await filesContaining(dir, password)).toEqual([]);
      expect(logger.lines.join('\n')).not.toContain(password);
      expect(logger.lines.join('\n')).toContain('$ docker run --rm --platform linux/amd64');
      expect(result).toMatchObject({ status: 'built', container: true, packages: MAIN_PACKAGES, installer: 'pip', installerVersion: '25.3' });
      // What the container installed is in the layer: each locked package's dist-info, and more than a few files.
      const installed = (await readdir(layout.pythonDir)).map((name) => name.toLowerCase());
      for (const pin of MAIN_PACKAGES) {
        const [name, version] = pin.split('==') as [string, string];
        expect(installed, pin).toContain(`${name.replace(/-/g, '_')}-${version}.dist-info`);
      }
      expect(result.files).toBeGreaterThan(100);
    });

    it('fails with an install hint when docker is missing', async () => {
      const withoutDocker = (env.PATH ?? '')
        .split(delimiter)
        .filter((d) => !existsSync(join(d, 'docker')))
        .join(delimiter);
      const error = await buildLayer({ projectDir: dir, tool: 'uv', container: true, yes: true, env: { ...env, PATH: withoutDocker } }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED });
      expect((error as { hint: string }).hint).toContain('build without --container');
    });
  },
);

// The end-to-end container build needs a Docker daemon (and the SAM image); it says why when it cannot run.
const dockerInfo = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
const dockerReason = dockerInfo.error
  ? `docker is not installed (${dockerInfo.error.message})`
  : dockerInfo.status !== 0
    ? `no Docker daemon answers \`docker info\` (${dockerInfo.stderr.trim().split('\n')[0]})`
    : '';
if (dockerReason) console.warn(`[build] skipping the container end-to-end test: ${dockerReason}`);

describe.skipIf(Boolean(dockerReason))(`container build end to end${dockerReason ? ` (skipped: ${dockerReason})` : ''}`, () => {
  it('builds the uv fixture inside public.ecr.aws/sam/build-python3.12:latest-x86_64', async () => {
    const dir = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    try {
      const result = await buildLayer({
        projectDir: dir,
        tool: 'uv',
        pythonVersion: '3.12',
        architecture: 'x86_64',
        container: true,
        indexUrl,
        yes: true,
        env,
      });
      expect(result.packages).toEqual(MAIN_PACKAGES);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

// Where docker is installed but no daemon answers (this machine, CI without Docker): the error says so in one line.
const noDaemon = !dockerInfo.error && dockerInfo.status !== 0;
describe.runIf(noDaemon)('a container build without a Docker daemon', () => {
  it('fails with E_CONTAINER_FAILED and says to start Docker', async () => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    try {
      const error = await buildLayer({ projectDir: dir, tool: 'pip', container: true, indexUrl, yes: true, env }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCodes.CONTAINER_FAILED, message: 'the Docker daemon is not reachable' });
      expect((error as { hint: string }).hint).toContain('docker info');
      await expect(access(localLayout(dir).artifactsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
