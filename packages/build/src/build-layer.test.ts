import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildResult, type BuildTool, createMemoryLogger, ErrorCodes, type Installer, localLayout, readBuildStamp } from '@lambda-layer/core';
import {
  cannotImportWheels,
  createFixtureProject,
  DEV_PACKAGE,
  lockedPackages,
  MAIN_PACKAGES,
  pythonOf,
  run,
  toolCacheEnv,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from './build-layer.js';
import { walkFiles } from './installed.js';
import type { BuildLayerOptions } from './options.js';
import { targetPlatform } from './platform.js';
import { findLayerProblems, type LayerProblem, readElfMachine } from './validate.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
const TARGETS = [
  { pythonVersion: '3.11', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'arm64' },
] as const;

/** Every file of an installed tree: its path and the SHA-256 of its content. */
async function treeFiles(pythonDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await walkFiles(pythonDir))
    out[file.path] = createHash('sha256')
      .update(await readFile(join(pythonDir, file.path)))
      .digest('hex');
  return out;
}

/** The tree each build left, by `tool installer target`, for the comparison across installers below. */
const trees = new Map<string, Record<string, string>>();
const COMBINATIONS = (['pip', 'uv', 'poetry'] as const).flatMap((tool) => (['uv', 'pip'] as const).map((installer) => [tool, installer] as const));

async function elfMachines(pythonDir: string): Promise<Set<number>> {
  const machines = new Set<number>();
  for (const file of await walkFiles(pythonDir)) {
    if (!/\.so(\.\d+)*$/.test(file.path)) continue;
    const machine = await readElfMachine(join(pythonDir, file.path));
    if (machine !== undefined) machines.add(machine);
  }
  return machines;
}

const noPython311 = cannotImportWheels(11);

describe.each(COMBINATIONS)(
  'buildLayer of a %s manifest installed by %s (real installer, loopback index)',
  (tool: BuildTool, installer: Installer) => {
    let dir: string;
    const results = new Map<string, BuildResult>();
    const pythonDirs = new Map<string, Set<number>>();
    const topLevel = new Map<string, string[]>();
    let armAsX86: LayerProblem[] = [];
    let hostImport: { code: number; stdout: string; stderr: string } | undefined;
    /** This combination's build of the fixture project from the loopback index, with --yes; `options` adds the target and the rest. */
    const build = (options: Partial<BuildLayerOptions>) => buildLayer({ projectDir: dir, tool, installer, indexUrl, yes: true, env, ...options });

    beforeAll(async () => {
      dir = await createFixtureProject(tool, { url: indexUrl, name: 'loopback' });
      // One build per target, checked as it lands (the next build clears the folder).
      for (const target of TARGETS) {
        const key = `${target.pythonVersion}-${target.architecture}`;
        const result = await build(target);
        results.set(key, result);
        trees.set(`${tool} ${installer} ${key}`, await treeFiles(result.pythonDir));
        pythonDirs.set(key, await elfMachines(result.pythonDir));
        topLevel.set(key, await readdir(result.pythonDir));
        // The real arm64 tree, judged as if the target were x86_64: the validator must object.
        if (key === '3.12-arm64')
          armAsX86 = await findLayerProblems(result.pythonDir, targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' }));
        if (key === '3.11-x86_64' && !noPython311) {
          // A Python 3.11 of this machine: the layer alone must import, -S keeps the tools venv's site-packages out.
          hostImport = await run(
            pythonOf(11) as string,
            [
              '-S',
              '-c',
              'import requests, yaml, markupsafe, markupsafe._speedups as s; print(requests.__file__); print(yaml.__with_libyaml__); print(s.__file__)',
            ],
            { env: { ...process.env, PYTHONPATH: result.pythonDir } },
          );
        }
      }
    }, 240_000);

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('installs exactly the locked main dependencies for every target', async () => {
      if (tool !== 'pip') {
        // The lock holds the main set plus the dev dependency, nothing else.
        expect(await lockedPackages(dir, tool)).toEqual([...MAIN_PACKAGES, DEV_PACKAGE].sort());
      }
      for (const target of TARGETS) {
        const result = results.get(`${target.pythonVersion}-${target.architecture}`) as BuildResult;
        expect(result).toMatchObject({ status: 'built', tool, installer, ...target, container: false, pythonDir: localLayout(dir).pythonDir });
        expect(result.packages).toEqual(MAIN_PACKAGES);
        expect(result.bytes).toBeGreaterThan(1_000_000);
        expect(result.files).toBeGreaterThan(100);
        expect(result.installerVersion).toBe(installer === 'uv' ? '0.13.9' : '25.3');
        expect(result.toolVersion).toBe(result.installerVersion);
      }
    });

    it('leaves dev dependencies out', () => {
      for (const names of topLevel.values()) {
        expect(names.some((name) => name.toLowerCase().startsWith('iniconfig'))).toBe(false);
      }
    });

    it('holds ELF files of the target machine: aarch64 for arm64, x86-64 otherwise', () => {
      expect([...(pythonDirs.get('3.12-arm64') as Set<number>)]).toEqual([183]);
      expect([...(pythonDirs.get('3.12-x86_64') as Set<number>)]).toEqual([62]);
      expect([...(pythonDirs.get('3.11-x86_64') as Set<number>)]).toEqual([62]);
      expect(armAsX86.map((p) => p.package)).toEqual(expect.arrayContaining(['markupsafe', 'pyyaml', 'charset-normalizer']));
    });

    it.skipIf(Boolean(noPython311))(
      `builds for Python 3.11 a layer that imports with PYTHONPATH=artifacts/python${noPython311 ? ` (skipped: ${noPython311})` : ''}`,
      () => {
        expect(hostImport?.stderr).toBe('');
        const [requestsFile, libyaml, speedups] = (hostImport?.stdout ?? '').trim().split('\n');
        const pythonDir = localLayout(dir).pythonDir;
        expect(requestsFile?.startsWith(pythonDir)).toBe(true);
        expect(libyaml).toBe('True');
        expect(speedups).toMatch(new RegExp(`^${pythonDir}/markupsafe/_speedups\\.cpython-311-x86_64-linux-gnu\\.so$`));
      },
    );

    it('returns unchanged on a re-run with the same manifest and target, and rebuilds with force', async () => {
      const logger = createMemoryLogger();
      const again = await build({ pythonVersion: '3.12', architecture: 'arm64', logger });
      expect(again).toEqual({ ...results.get('3.12-arm64'), status: 'unchanged' });
      expect(logger.lines.join('\n')).toContain('nothing changed since the last build');
      expect(logger.lines.some((line) => line.startsWith('Step 2.1'))).toBe(false);
      const stamp = await readBuildStamp(localLayout(dir));
      expect(stamp).toMatchObject({ tool, installer, target: { pythonVersion: '3.12', architecture: 'arm64', container: false } });
      if (tool === 'uv') {
        // A different target is a different build, and so is another installer.
        const other = await build({ pythonVersion: '3.12', architecture: 'x86_64' });
        expect(other.status).toBe('built');
        const forced = await build({ pythonVersion: '3.12', architecture: 'x86_64', force: true });
        expect(forced.status).toBe('built');
        const otherInstaller = await build({ installer: installer === 'uv' ? 'pip' : 'uv', pythonVersion: '3.12', architecture: 'x86_64' });
        expect(otherInstaller.status).toBe('built');
      }
    }, 60_000);

    it('logs each step by number, with tool, version, target and paths', async () => {
      const logger = createMemoryLogger();
      await build({ pythonVersion: '3.12', architecture: 'x86_64', logger, force: true });
      const text = logger.lines.join('\n');
      for (const step of ['1', '1.1', '1.2', '2', '2.1', '2.2', '2.3', '2.4', '2.5']) expect(text).toContain(`Step ${step} - `);
      expect(text).toMatch(new RegExp(`tool: ${tool}: \\S+ is read by layer itself.*; installs with the pinned ${installer} \\d+\\.\\d+`));
      expect(text).toContain(`Step 2.3 - Install for Python 3.12 on x86_64 with ${installer}`);
      expect(text).toContain('target: Python 3.12 on x86_64 (cp312, glibc 2.34');
      expect(text).toContain(`layer content: ${localLayout(dir).pythonDir}`);
    }, 60_000);
  },
);

describe('every installer, every manifest: the same files', () => {
  it.each(TARGETS.map((target) => `${target.pythonVersion}-${target.architecture}`))(
    '%s: the same paths with the same content, whichever manifest and installer',
    (key) => {
      const reference = trees.get(`uv uv ${key}`) as Record<string, string>;
      expect(Object.keys(reference).length).toBeGreaterThan(100);
      for (const [tool, installer] of COMBINATIONS)
        expect(trees.get(`${tool} ${installer} ${key}`), `${tool} installed by ${installer}`).toEqual(reference);
    },
  );
});

describe('buildLayer preflight failures', () => {
  it('names the missing lock and how to make it', async () => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    try {
      for (const [tool, hint] of [
        ['uv', 'uv lock'],
        ['poetry', 'poetry lock'],
      ] as const) {
        const error = await buildLayer({ projectDir: dir, tool, yes: true, env }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: ErrorCodes.MANIFEST_NOT_FOUND });
        expect((error as Error).message).toContain(tool === 'uv' ? 'uv.lock' : 'poetry.lock');
        expect((error as { hint: string }).hint).toContain(hint);
      }
      // Nothing was created.
      await expect(readdir(join(dir, 'build'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['pip', /install Python 3\.9 or newer/],
    ['uv', /install Python 3 and put python3 on PATH/],
  ] as const)('says how to install the Python the %s installer needs when there is none on PATH', async (installer, hint) => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    try {
      const error = await buildLayer({ projectDir: dir, tool: 'pip', installer, indexUrl, yes: true, env: { ...env, PATH: '/nonexistent' } }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED });
      expect((error as { hint: string }).hint).toMatch(hint);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
