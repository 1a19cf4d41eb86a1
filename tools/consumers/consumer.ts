/** Helpers of the consumer lane: the packed tarballs, fresh folders outside the repository, npm, node binaries. */
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { repoRoot, run, type RunResult } from '@lambda-layer/testing';
import { inject } from 'vitest';

export const PACKAGE_NAMES = ['core', 'build', 'package', 'upload', 'publish', 'cli', 'nx'] as const;
export type PackageName = (typeof PACKAGE_NAMES)[number];

/** The packages a plain (non-Nx) project installs: all but the Nx plugin, whose peer is nx itself. */
export const LIBRARY_PACKAGES = PACKAGE_NAMES.filter((name) => name !== 'nx');

/** The version every package has (they are released together). */
export async function releaseVersion(): Promise<string> {
  return (JSON.parse(await readFile(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The `npm pack` tarball of one package. */
export function tarball(name: PackageName): string {
  const dir = inject('tarballDir');
  const file = readdirSync(dir).find((entry) => entry.startsWith(`lambda-layer-${name}-`) && entry.endsWith('.tgz'));
  if (!file) throw new Error(`no tarball of @lambda-layer/${name} in ${dir}`);
  return join(dir, file);
}

/** A new empty folder outside the repository (a user's project lives nowhere near our node_modules). */
export async function freshFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `layer-consumer-${prefix}-`));
  if (!relative(repoRoot, dir).startsWith('..')) throw new Error(`${dir} is inside the repository: set TMPDIR to a folder outside it`);
  return dir;
}

/** The environment of a consumer's commands: no LAYER_* settings leaking in from the developer's shell, plain output. */
export function consumerEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // Nothing of this run's own settings may leak into the consumer's: no LAYER_*, NX_* or GITHUB_OUTPUT.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('LAYER_') && !name.startsWith('NX_') && name !== 'GITHUB_OUTPUT');
  return {
    ...Object.fromEntries(inherited),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Runs npm in a consumer folder; throws with npm's output when it fails. */
export async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = consumerEnv()): Promise<RunResult> {
  const result = await run('npm', args, { cwd, env });
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${result.code}) in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The versions the lane installs (versions.json). */
export interface LaneVersions {
  node: string[];
  nx: { lowest: string; highest: string };
}

export function laneVersions(): LaneVersions {
  return JSON.parse(readFileSync(join(repoRoot, 'tools', 'consumers', 'versions.json'), 'utf8')) as LaneVersions;
}

/** Node versions the lane runs on: the machine's own, then versions.json's (those that could be installed). */
export function nodeBinaries(): Array<{ version: string; binary: string }> {
  const installed = Object.entries(inject('nodeBinaries')).map(([version, binary]) => ({ version, binary }));
  return [{ version: process.versions.node, binary: process.execPath }, ...installed.filter(({ version }) => version !== process.versions.node)];
}

/** An environment whose `node` is the given binary (commands Nx or npm start run on it too). */
export function withNodeOnPath(binary: string, env: NodeJS.ProcessEnv = consumerEnv()): NodeJS.ProcessEnv {
  return { ...env, PATH: `${dirname(binary)}${delimiter}${env.PATH ?? ''}` };
}

/** Lines of a process's stderr that are Node or library warnings (ExperimentalWarning, NodeVersionSupportWarning, DeprecationWarning …). */
export function warningLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /Warning\b|\(node:\d+\)/.test(line));
}

/** Copies one of the repository's example Python projects into a consumer's folder (without build output). */
export async function copyExample(example: string, destination: string): Promise<void> {
  await cp(join(repoRoot, 'examples', example), destination, {
    recursive: true,
    filter: (source) => !/[/\\](build|__pycache__|\.venv)$/.test(source),
  });
}
