/**
 * Shared by the fault catalogue (packages/cli/src/faults/*.test.ts): fixture
 * projects in a known good state, an index that holds downloads, and the
 * assertions every interruption must pass. Test-only (excluded from the build).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout, verifyArtifacts } from '@lambda-layer/core';
import {
  createFixtureProject,
  errorLines,
  type LayerProcess,
  type PackageIndex,
  runLayer,
  stampBuild,
  startPackageIndex,
  toolCacheEnv,
  wheelCacheDir,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, expect } from 'vitest';

export const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
export const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
/** A signalled step must be gone well within this (the contract says 2 s; the machine is shared). */
export const STOP_DEADLINE_MS = 5_000;

/** Temporary folders removed after the file's tests, and an index that never answers a download. */
export function useFaultFixtures(): { temps: string[]; readonly stalling: PackageIndex } {
  const temps: string[] = [];
  let stalling: PackageIndex | undefined;
  beforeAll(async () => {
    // A tool that asked this index for a file is provably mid-install.
    stalling = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
  });
  afterAll(async () => {
    await stalling?.close();
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return {
    temps,
    get stalling() {
      if (!stalling) throw new Error('the stalling index exists only inside tests');
      return stalling;
    },
  };
}

export async function tempDir(temps: string[], prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A fixture project already built once (the previous good state a fault must not lose). */
export async function builtProject(temps: string[], tool: 'pip' | 'uv'): Promise<string> {
  const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' });
  temps.push(dir);
  const first = await runLayer(['build', '--project-dir', dir, '--tool', tool, '--index-url', indexUrl, '--yes', '--json'], { env });
  expect(first.code, first.stderr).toBe(0);
  return dir;
}

/** A fixture project never built. */
export async function freshProject(temps: string[], tool: 'pip' | 'uv'): Promise<string> {
  const dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' });
  temps.push(dir);
  return dir;
}

/** Fresh tool caches: the tool must download, and the held download is the moment to interrupt it. */
export async function emptyCachesEnv(temps: string[]): Promise<NodeJS.ProcessEnv> {
  const caches = await tempDir(temps, 'tool-caches-');
  return { ...env, UV_CACHE_DIR: join(caches, 'uv'), PIP_CACHE_DIR: join(caches, 'pip') };
}

/** Resolves once the tool `run` started asked `index` for a file (counting only requests after `seen`). */
export function downloadRequested(run: LayerProcess, index: PackageIndex, seen: number): Promise<void> {
  return run.waitUntil(() => index.requests.slice(seen).some((path) => path.startsWith('/files/')), 'the tool to ask for a wheel');
}

export const buildFolderTemps = async (dir: string) => (await readdir(localLayout(dir).buildDir)).filter((name) => name.endsWith('.tmp'));

/** What a fault must leave: the previous build intact and vouched for by its unchanged stamp. */
export async function expectPreviousBuildIntact(dir: string, stampBefore: string): Promise<void> {
  const layout = localLayout(dir);
  expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
  await expect(verifyArtifacts(layout)).resolves.toBeDefined();
}

/** Exit code, speed, exactly one error line and one JSON object, saying the same. */
export function expectInterrupted(
  exit: { code: number | null; stdout: string; stderr: string; msAfterSignal: number | undefined },
  code: number,
  line: string,
): void {
  expect(exit.code, exit.stderr).toBe(code);
  expect(exit.msAfterSignal).toBeLessThan(STOP_DEADLINE_MS);
  expect(errorLines(exit.stderr)).toEqual([line]);
  expect(exit.stderr).not.toMatch(/\n\s+at /);
  expect(exit.stdout.trim().split('\n')).toHaveLength(1);
  const json = JSON.parse(exit.stdout) as { status: string; error: { code: string; message: string; hint?: string } };
  expect(json).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED' } });
  expect(`error: ${json.error.message}; ${json.error.hint}`).toBe(line);
}

/** A project whose artifacts/python/ is big enough that packaging it at level 9 takes seconds, stamped as built. */
export async function bigBuiltProject(temps: string[]): Promise<string> {
  const dir = await tempDir(temps, 'fault-package-');
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
  await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  const python = localLayout(dir).pythonDir;
  await mkdir(python, { recursive: true });
  for (let i = 0; i < 24; i += 1) await writeFile(join(python, `blob${String(i).padStart(2, '0')}.txt`), randomBytes(1_500_000).toString('base64'));
  await stampBuild(dir, 'uv');
  return dir;
}

/** The temporary zip `layer package` is writing, if any. */
export const zipTemp = async (dir: string) =>
  (await readdir(localLayout(dir).buildDir)).find((name) => /^\.layer\.zip\.\d+\.[0-9a-f]+\.tmp$/.test(name));

export async function waitForGrowingTemp(run: LayerProcess, dir: string): Promise<void> {
  await run.waitUntil(async () => {
    const name = await zipTemp(dir);
    return name !== undefined && ((await stat(join(localLayout(dir).buildDir, name)).catch(() => undefined))?.size ?? 0) > 1024 * 1024;
  }, 'the temporary zip to hold data');
}
