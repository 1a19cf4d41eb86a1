import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, isLayerError } from '@lambda-layer/core';
import { repoRoot } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLockedProject,
  exportedForTargets,
  exportLock,
  graphProject,
  type LockIndexes,
  ORACLE_TARGETS,
  parseExport,
  readerPins,
  startLockIndexes,
} from '../__fixtures__/lock-projects.js';
import { targetMarkerEnvironment } from '../markers.js';
import { targetPlatform } from '../platform.js';
import { readPoetryLock } from './poetry-lock.js';
import { readLockedInstallSet } from './read-lock.js';

const environmentOf = (target: (typeof ORACLE_TARGETS)[number]) => targetMarkerEnvironment(targetPlatform(target));

/** For every oracle target: the reader's set equals what `poetry export --only main` lists and `packaging` keeps. */
async function expectSameAsPoetryExport(dir: string, extras: string[]): Promise<void> {
  const exported = parseExport(await exportLock('poetry', dir, extras));
  const expected = await exportedForTargets(exported, ORACLE_TARGETS.map(environmentOf));
  const lockText = await readFile(join(dir, 'poetry.lock'), 'utf8');
  ORACLE_TARGETS.forEach((target, index) => {
    const set = readPoetryLock(lockText, { environment: environmentOf(target), extras });
    expect(readerPins(set), `${target.pythonVersion} ${target.architecture} extras=${extras.join(',')}`).toEqual(expected[index]);
  });
}

describe('readPoetryLock against `poetry export --only main` (real poetry.lock files)', () => {
  let indexes: LockIndexes;
  let graphDir: string;

  beforeAll(async () => {
    indexes = await startLockIndexes();
    graphDir = await createLockedProject('poetry', graphProject(indexes), indexes);
  }, 120_000);
  afterAll(async () => {
    await indexes?.close();
  });

  it('examples/poetry-app (a plain lock from PyPI): the same packages and hashes for every target', async () => {
    await expectSameAsPoetryExport(join(repoRoot, 'examples', 'poetry-app'), []);
  });

  it.each([[[]], [['feature']], [['feature', 'other']]])(
    'the marker/extras/two-index graph with project extras %j: the same set as `poetry export` for every target',
    async (extras: string[]) => {
      await expectSameAsPoetryExport(graphDir, extras);
    },
  );

  it('keeps the main group only, and records each package source', async () => {
    const lockText = await readFile(join(graphDir, 'poetry.lock'), 'utf8');
    const set = readPoetryLock(lockText, { environment: environmentOf(ORACLE_TARGETS[2]) });
    const names = set.packages.map((pkg) => pkg.name);
    expect(names).toContain('armonly');
    for (const absent of ['devonly', 'winonly', 'six', 'oldpy', 'pyyaml']) expect(names).not.toContain(absent);
    expect(set.packages.find((pkg) => pkg.name === 'zeta')?.source).toEqual({ kind: 'registry', url: indexes.second.url.replace(/\/$/, '') });
    expect(set.packages.find((pkg) => pkg.name === 'viaurl')?.source.kind).toBe('url');
    expect(set.requiresPython).toBe('>=3.11');
  });
});

describe('readLockedInstallSet for poetry.lock: refusals', () => {
  let indexes: LockIndexes;
  beforeAll(async () => {
    indexes = await startLockIndexes();
  }, 60_000);
  afterAll(async () => {
    await indexes?.close();
  });

  it('refuses a target outside requires-python, for which `poetry export` keeps nothing (the empty-layer bug)', async () => {
    const dir = await createLockedProject('poetry', { dependencies: ['beta==2.0'], requiresPython: '>=3.11,<3.12' }, indexes);
    const [forPython312] = await exportedForTargets(parseExport(await exportLock('poetry', dir)), [environmentOf(ORACLE_TARGETS[1])]);
    expect(forPython312?.size).toBe(0);
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.PYTHON_EXCLUDED);
    expect((error as Error).message).toBe("the project's requires-python >=3.11,<3.12 (recorded in poetry.lock) excludes Python 3.12");
    const ok = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[0]) });
    expect(ok.packages.map((pkg) => `${pkg.name}==${pkg.version}`)).toEqual(['beta==2.0']);
  });

  it('refuses a local path dependency by name', async () => {
    const wheel = join(indexes.wheelDir, 'localwheel-1.0-py3-none-any.whl');
    const dir = await createLockedProject('poetry', { dependencies: [`localwheel @ file://${wheel}`, 'beta==2.0'] }, indexes);
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_UNSUPPORTED);
    expect((error as Error).message).toMatch(/poetry\.lock has local path dependencies.*localwheel/);
  });

  it('refuses a lock older than 2.1 with the command that upgrades it', async () => {
    const dir = await createLockedProject('poetry', { dependencies: ['beta==2.0'] }, indexes);
    const text = await readFile(join(dir, 'poetry.lock'), 'utf8');
    await writeFile(join(dir, 'poetry.lock'), text.replace('lock-version = "2.1"', 'lock-version = "2.0"'));
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_UNSUPPORTED);
    expect((error as Error).message).toMatch(/lock-version 2\.0/);
    expect(isLayerError(error) && error.hint).toMatch(/poetry lock/);
  });
});
