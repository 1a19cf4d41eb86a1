import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, isLayerError } from '@lambda-layer/core';
import { repoRoot } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import {
  createLockedProject,
  environmentOf,
  expectSameAsExport,
  exportedForTargets,
  exportLock,
  ORACLE_TARGETS,
  parseExport,
  useLockIndexes,
} from '../__fixtures__/lock-projects.js';
import { readPoetryLock } from './poetry-lock.js';
import { readLockedInstallSet } from './read-lock.js';

describe('readPoetryLock against `poetry export --only main` (real poetry.lock files)', () => {
  const fixture = useLockIndexes('poetry');

  it('examples/poetry-app (a plain lock from PyPI): the same packages and hashes for every target', async () => {
    await expectSameAsExport('poetry', join(repoRoot, 'examples', 'poetry-app'), []);
  });

  it.each([[[]], [['feature']], [['feature', 'other']]])(
    'the marker/extras/two-index graph with project extras %j: the same set as `poetry export` for every target',
    async (extras: string[]) => {
      await expectSameAsExport('poetry', fixture.graphDir, extras);
    },
  );

  it('keeps the main group only, and records each package source', async () => {
    const lockText = await readFile(join(fixture.graphDir, 'poetry.lock'), 'utf8');
    const set = readPoetryLock(lockText, { environment: environmentOf(ORACLE_TARGETS[2]) });
    const names = set.packages.map((pkg) => pkg.name);
    expect(names).toContain('armonly');
    for (const absent of ['devonly', 'winonly', 'six', 'oldpy', 'pyyaml']) expect(names).not.toContain(absent);
    expect(set.packages.find((pkg) => pkg.name === 'zeta')?.source).toEqual({ kind: 'registry', url: fixture.indexes.second.url.replace(/\/$/, '') });
    expect(set.packages.find((pkg) => pkg.name === 'viaurl')?.source.kind).toBe('url');
    expect(set.requiresPython).toBe('>=3.11');
  });
});

describe('readLockedInstallSet for poetry.lock: refusals', () => {
  const fixture = useLockIndexes();

  it('refuses a target outside requires-python, for which `poetry export` keeps nothing (the empty-layer bug)', async () => {
    const dir = await createLockedProject('poetry', { dependencies: ['beta==2.0'], requiresPython: '>=3.11,<3.12' }, fixture.indexes);
    const [forPython312] = await exportedForTargets(parseExport(await exportLock('poetry', dir)), [environmentOf(ORACLE_TARGETS[1])]);
    expect(forPython312?.size).toBe(0);
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.PYTHON_VERSION_EXCLUDED);
    expect((error as Error).message).toBe("the project's requires-python >=3.11,<3.12 (recorded in poetry.lock) excludes Python 3.12");
    const ok = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[0]) });
    expect(ok.packages.map((pkg) => `${pkg.name}==${pkg.version}`)).toEqual(['beta==2.0']);
  });

  it('refuses a local path dependency by name', async () => {
    const wheel = join(fixture.indexes.wheelDir, 'localwheel-1.0-py3-none-any.whl');
    const dir = await createLockedProject('poetry', { dependencies: [`localwheel @ file://${wheel}`, 'beta==2.0'] }, fixture.indexes);
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_UNSUPPORTED);
    expect((error as Error).message).toMatch(/poetry\.lock has local path dependencies.*localwheel/);
  });

  it('refuses a lock older than 2.1 with the command that upgrades it', async () => {
    const dir = await createLockedProject('poetry', { dependencies: ['beta==2.0'] }, fixture.indexes);
    const text = await readFile(join(dir, 'poetry.lock'), 'utf8');
    await writeFile(join(dir, 'poetry.lock'), text.replace('lock-version = "2.1"', 'lock-version = "2.0"'));
    const error = await readLockedInstallSet({ dir, tool: 'poetry', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_UNSUPPORTED);
    expect((error as Error).message).toMatch(/lock-version 2\.0/);
    expect(isLayerError(error) && error.hint).toMatch(/poetry lock/);
  });
});
