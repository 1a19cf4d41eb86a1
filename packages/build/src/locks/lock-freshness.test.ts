import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, isLayerError } from '@lambda-layer/core';
import { run, toolsBin } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockedProject, type LockIndexes, lockToolEnv, startLockIndexes } from '../__fixtures__/lock-projects.js';
import { assertLockFresh, poetryLockFreshness, uvLockFreshness } from './lock-freshness.js';
import { parsePoetryLock } from './poetry-lock.js';
import { parseToml } from './toml.js';
import { parseUvLock } from './uv-lock.js';

/** The tools' own verdicts: `uv lock --check` and `poetry check --lock` (exit 0 = fresh). */
async function toolSaysFresh(tool: 'uv' | 'poetry', dir: string): Promise<boolean> {
  const args = tool === 'uv' ? ['lock', '--check', '--quiet'] : ['check', '--lock', '--no-interaction'];
  return (await run(join(toolsBin, tool), args, { cwd: dir, env: lockToolEnv() })).code === 0;
}

async function readerSaysFresh(tool: 'uv' | 'poetry', dir: string): Promise<{ fresh: boolean; reasons: string[] }> {
  const pyproject = parseToml(await readFile(join(dir, 'pyproject.toml'), 'utf8'), 'pyproject.toml', '');
  if (tool === 'uv') return uvLockFreshness(parseUvLock(await readFile(join(dir, 'uv.lock'), 'utf8')), pyproject);
  return poetryLockFreshness(parsePoetryLock(await readFile(join(dir, 'poetry.lock'), 'utf8')), pyproject);
}

const SPEC = {
  dependencies: ['alpha[extra1]==1.0', 'beta>=1,<3; python_version < "3.13" and sys_platform != "win32"'],
  optional: { feature: ['pyyaml==6.0.2'] },
  dev: ['devonly==1.0'],
};

/** pyproject.toml edits, each with whether it leaves the lock fresh. */
const EDITS: Array<{ what: string; edit: (text: string) => string; fresh: boolean | { uv: boolean; poetry: boolean } }> = [
  { what: 'nothing changed', edit: (t) => t, fresh: true },
  {
    what: 'comments and layout only',
    edit: (t) =>
      t.replace('dependencies = [', '# what the layer holds\ndependencies = [ # pinned\n  ').replace('requires-python', 'requires-python    '),
    fresh: true,
  },
  {
    // uv records requirements normalised; Poetry hashes the strings as written.
    what: 'the same requirements written differently (spacing, quotes, clause order, name case)',
    edit: (t) =>
      t
        .replace('"alpha[extra1]==1.0"', '"Alpha [ extra1 ] == 1.0"')
        .replace(
          `"beta>=1,<3; python_version < \\"3.13\\" and sys_platform != \\"win32\\""`,
          `"beta <3, >=1 ;  sys_platform != 'win32' and python_version < '3.13'"`,
        ),
    fresh: { uv: true, poetry: false },
  },
  { what: 'a [tool.lambda-layer] setting added', edit: (t) => `${t}\n[tool.lambda-layer]\npython-version = "3.12"\n`, fresh: true },
  { what: 'a dependency added', edit: (t) => t.replace('"alpha[extra1]==1.0"', '"alpha[extra1]==1.0", "zeta==1.0"'), fresh: false },
  { what: 'a version specifier changed', edit: (t) => t.replace('alpha[extra1]==1.0', 'alpha[extra1]>=1.0'), fresh: false },
  { what: 'a marker changed', edit: (t) => t.replace('python_version < \\"3.13\\"', 'python_version < \\"3.14\\"'), fresh: false },
  { what: 'an extra of a dependency dropped', edit: (t) => t.replace('alpha[extra1]==1.0', 'alpha==1.0'), fresh: false },
  { what: 'requires-python changed', edit: (t) => t.replace('requires-python = ">=3.11"', 'requires-python = ">=3.10"'), fresh: false },
  {
    what: 'an optional dependency added',
    edit: (t) => t.replace('feature = ["pyyaml==6.0.2"]', 'feature = ["pyyaml==6.0.2", "markupsafe==3.0.2"]'),
    fresh: false,
  },
];

describe.each(['uv', 'poetry'] as const)('%s lock freshness, answered from the files, agrees with the tool', (tool) => {
  let indexes: LockIndexes | undefined;
  let dir: string;
  let original: string;

  beforeAll(async () => {
    indexes = await startLockIndexes();
    dir = await createLockedProject(tool, SPEC, indexes);
    original = await readFile(join(dir, 'pyproject.toml'), 'utf8');
  }, 120_000);
  afterAll(async () => {
    await indexes?.close();
  });

  it.each(EDITS)('$what', async ({ what, edit, fresh: expected }) => {
    const fresh = typeof expected === 'boolean' ? expected : expected[tool];
    const edited = edit(original);
    // Every edit really edits (a no-op replace would test nothing).
    expect(edited === original).toBe(what === 'nothing changed');
    await writeFile(join(dir, 'pyproject.toml'), edited);
    try {
      const reader = await readerSaysFresh(tool, dir);
      expect(reader.fresh, reader.reasons.join('; ')).toBe(fresh);
      expect(await toolSaysFresh(tool, dir)).toBe(fresh);
      if (!fresh) expect(reader.reasons.length).toBeGreaterThan(0);
    } finally {
      await writeFile(join(dir, 'pyproject.toml'), original);
    }
  });

  it('a dev-group change: Poetry hashes it (stale); for uv it is not a change of the layer (fresh), though `uv lock --check` objects', async () => {
    const edited =
      tool === 'uv'
        ? original.replace('dev = ["devonly==1.0"]', 'dev = ["devonly==1.0", "epsilon==1.0"]')
        : original.replace('devonly = "1.0"', 'devonly = "1.0"\nepsilon = "1.0"');
    expect(edited).not.toBe(original);
    await writeFile(join(dir, 'pyproject.toml'), edited);
    try {
      expect((await readerSaysFresh(tool, dir)).fresh).toBe(tool === 'uv');
      expect(await toolSaysFresh(tool, dir)).toBe(false);
    } finally {
      await writeFile(join(dir, 'pyproject.toml'), original);
    }
  });

  it('a stale lock is refused in one line naming what changed and the command that fixes it', async () => {
    await writeFile(join(dir, 'pyproject.toml'), original.replace('alpha[extra1]==1.0', 'alpha[extra1]>=1.0'));
    try {
      const error = (() => {
        try {
          assertLockFresh({ fresh: false, reasons: ['x changed'] }, tool === 'uv' ? 'uv.lock' : 'poetry.lock');
          return;
        } catch (e) {
          return e;
        }
      })();
      expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_OUTDATED);
      expect(isLayerError(error) && error.oneLine).toBe(
        `${tool}.lock is out of date with pyproject.toml: x changed; run \`${tool} lock\` and build again`,
      );
      const reasons = (await readerSaysFresh(tool, dir)).reasons;
      if (tool === 'uv') expect(reasons[0]).toMatch(/alpha\[extra1\]>=1\.0/);
      else expect(reasons[0]).toMatch(/content-hash/);
    } finally {
      await writeFile(join(dir, 'pyproject.toml'), original);
    }
  });
});
