import { posix, relative, sep } from 'node:path';
import { ErrorCodes, LayerError, type LocalLayout, type Logger } from '@lambda-layer/core';
import type { TargetPlatform } from './platform.js';
import type { Redactor } from './redact.js';
import { type ChildEnv, runTool, tail } from './run-tool.js';

/** The AWS SAM build image of a runtime: the same OS and Python as Lambda. */
export function samBuildImage(platform: TargetPlatform): string {
  return `public.ecr.aws/sam/build-python${platform.pythonVersion}:latest-${platform.architecture === 'arm64' ? 'arm64' : 'x86_64'}`;
}

export interface ContainerCommandInput {
  layout: LocalLayout;
  platform: TargetPlatform;
  /** The pinned requirements file, inside the project folder (repo/). */
  requirementsFile: string;
  /** A complete lock: install exactly it. */
  complete: boolean;
  /** Variables the container receives by name (`-e NAME`); their values travel in the docker process's env. */
  passEnv: readonly string[];
  /** Run as this user, so the files in the project folder are the user's, not root's. */
  user?: { uid: number; gid: number } | undefined;
  /** Share the host's network (a package index on loopback). */
  hostNetwork?: boolean;
  /** The pinned pip's folder in the tool cache: mounted read-only and run instead of the image's pip. */
  pipDir?: string;
  /** A CA bundle on the host: mounted read-only, and pip told to trust it (PIP_CERT). */
  caBundle?: string;
}

export interface ContainerCommand {
  command: 'docker';
  args: string[];
}

const MOUNT = '/var/task';
/** Where the pinned pip is mounted in the container. */
const PIP_MOUNT = '/opt/lambda-layer-pip';
/** Where the CA bundle is mounted in the container. */
const CA_MOUNT = '/opt/lambda-layer-ca-bundle.pem';

function inContainer(layout: LocalLayout, path: string): string {
  return posix.join(MOUNT, relative(layout.projectDir, path).split(sep).join('/'));
}

/**
 * The exact `docker run` of a container build: the project mounted at
 * /var/task, the pinned pip (when given) at /opt/lambda-layer-pip, installing
 * the pinned requirements natively for the target (so native sdists compile
 * there). Secrets are only ever named in argv.
 */
export function containerBuildCommand(input: ContainerCommandInput): ContainerCommand {
  const { layout, platform } = input;
  return {
    command: 'docker',
    args: [
      'run',
      '--rm',
      '--platform',
      platform.dockerPlatform,
      '--volume',
      `${layout.projectDir}:${MOUNT}`,
      '--workdir',
      MOUNT,
      ...(input.user ? ['--user', `${input.user.uid}:${input.user.gid}`, '--env', 'HOME=/tmp'] : []),
      ...(input.hostNetwork ? ['--network', 'host'] : []),
      ...input.passEnv.flatMap((name) => ['--env', name]),
      ...(input.pipDir ? ['--volume', `${input.pipDir}:${PIP_MOUNT}:ro`] : []),
      ...(input.caBundle ? ['--volume', `${input.caBundle}:${CA_MOUNT}:ro`, '--env', `PIP_CERT=${CA_MOUNT}`] : []),
      samBuildImage(platform),
      ...(input.pipDir ? ['python', '-I', `${PIP_MOUNT}/pip`, 'install'] : ['python', '-m', 'pip', 'install']),
      '--no-input',
      '--disable-pip-version-check',
      '--no-compile',
      '--target',
      inContainer(layout, layout.pythonDir),
      ...(input.complete ? ['--no-deps'] : []),
      '-r',
      inContainer(layout, input.requirementsFile),
    ],
  };
}

export async function runContainerBuild(
  command: ContainerCommand,
  options: { env: ChildEnv; redactor: Redactor; logger: Logger; cwd: string },
): Promise<void> {
  const result = await runTool(command.command, command.args, {
    cwd: options.cwd,
    env: options.env,
    redactor: options.redactor,
    logger: options.logger,
  });
  if (result.code === 0) return;
  const daemon = /Cannot connect to the Docker daemon|docker daemon is not running|permission denied while trying to connect/i.test(result.output);
  throw new LayerError(
    ErrorCodes.CONTAINER_FAILED,
    daemon ? 'the Docker daemon is not reachable' : `the container build failed: ${tail(result.output, 4)}`,
    {
      hint: daemon ? 'start Docker (check `docker info`), or build without --container' : 'run again with --debug to see the container output',
    },
  );
}

/** Whether an index URL points at this machine (the container then shares the host network). */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}
