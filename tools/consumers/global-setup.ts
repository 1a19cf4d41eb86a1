/**
 * Before the consumer tests: packs every package with `npm pack` into a fresh
 * folder outside the repository, and installs the Node binaries of
 * versions.json (cached in .cache/consumers/node/). Hands both to the
 * test workers with `provide`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lambda-layer/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding one `npm pack` tarball per package. */
    tarballDir: string;
    /** Node version -> path of its `node` binary; a version missing here could not be installed (its tests say so). */
    nodeBinaries: Record<string, string>;
  }
}

export const PACKAGES = ['core', 'build', 'package', 'upload', 'publish', 'cli', 'nx'] as const;

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} in ${cwd} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function packAll(): Promise<string> {
  for (const name of PACKAGES) {
    if (!existsSync(join(repoRoot, 'packages', name, 'dist', 'index.js'))) {
      throw new Error(`packages/${name}/dist is missing: run \`npx tsc -b tsconfig.json\` (npm run test:consumers does)`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'layer-tarballs-'));
  for (const name of PACKAGES) npm(['pack', '--pack-destination', dir], join(repoRoot, 'packages', name));
  const files = await readdir(dir);
  if (files.length !== PACKAGES.length) throw new Error(`npm pack made ${files.join(', ')}: expected one tarball per package`);
  return dir;
}

/** The node binary of one version, installed from the registry's node-<platform>-<arch> package (Node's official build). */
function installNode(version: string): string | undefined {
  const prefix = join(repoRoot, '.cache', 'consumers', 'node', version);
  const packageName = `node-${process.platform}-${process.arch}`;
  const binary = join(prefix, 'node_modules', packageName, 'bin', 'node');
  if (existsSync(binary)) return binary;
  try {
    npm(['install', '--prefix', prefix, '--no-save', '--no-package-lock', `${packageName}@${version}`], repoRoot);
  } catch (error) {
    process.stderr.write(`[consumers] Node ${version} is not available as ${packageName}@${version}: ${(error as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
  return existsSync(binary) ? binary : undefined;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tarballDir = await packAll();
  const { node } = JSON.parse(readFileSync(join(repoRoot, 'tools', 'consumers', 'versions.json'), 'utf8')) as { node: string[] };
  const nodeBinaries: Record<string, string> = {};
  for (const version of node) {
    const binary = installNode(version);
    if (binary) nodeBinaries[version] = binary;
  }
  project.provide('tarballDir', tarballDir);
  project.provide('nodeBinaries', nodeBinaries);
  return async () => {
    await rm(tarballDir, { recursive: true, force: true });
  };
}
