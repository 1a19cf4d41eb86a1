import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes } from '@lambda-layer/core';
import { afterAll, describe, expect, it } from 'vitest';
import { testBuild } from './__fixtures__/build.js';
import { createLockedProject, useLockIndexes } from './__fixtures__/lock-projects.js';
import type { IndexCredentials } from './index-credentials.js';
import type { LockedInstallSet, LockedPackage } from './locks/locked-package.js';
import { lockPinnedSet, registryIndexes } from './pinned-set.js';
import { targetPlatform } from './platform.js';

const py312 = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });
const PYPI = 'https://pypi.org/simple';
const CORP = 'https://pkgs.corp.example/simple/';
const OTHER = 'https://other.example/simple/';

function pkg(name: string, source: LockedPackage['source'], hashes = ['a'.repeat(64)]): LockedPackage {
  return { name, version: '1.0', source, files: hashes.map((sha256) => ({ name: `${name}-1.0-py3-none-any.whl`, sha256 })), markers: [] };
}

function lockSet(...packages: LockedPackage[]): LockedInstallSet {
  return { lockFile: 'uv.lock', requiresPython: '>=3.11', packages };
}

describe('which index each registry of a lock is installed from', () => {
  it('the lock decides; pypi.org is left to the installer default', () => {
    expect(registryIndexes([PYPI, CORP], {}, PYPI)).toEqual(
      new Map<string, IndexCredentials>([
        [PYPI, {}],
        [CORP, { indexUrl: CORP }],
      ]),
    );
  });

  it("the user's index takes the credentials to the registry the lock records under its URL, and nowhere else", () => {
    const user = { indexUrl: CORP, indexName: 'corp', username: 'u', password: 'p' };
    expect(registryIndexes([PYPI, CORP], user, PYPI)).toEqual(
      new Map<string, IndexCredentials>([
        [PYPI, {}],
        [CORP, user],
      ]),
    );
  });

  it("a user's index the lock does not name stands in for its main registry (a mirror)", () => {
    const mirror = { indexUrl: OTHER, username: 'u', password: 'p' };
    expect(registryIndexes([PYPI, CORP], mirror, PYPI)).toEqual(
      new Map<string, IndexCredentials>([
        [PYPI, mirror],
        [CORP, { indexUrl: CORP }],
      ]),
    );
  });

  it('credentials without an index URL go to the only private registry, or to none when there are several', () => {
    const login = { username: 'u', password: 'p' };
    expect(registryIndexes([PYPI, CORP], login, PYPI).get(CORP)).toEqual({ ...login, indexUrl: CORP });
    expect(registryIndexes([CORP, OTHER], login, CORP)).toEqual(
      new Map<string, IndexCredentials>([
        [CORP, { indexUrl: CORP }],
        [OTHER, { indexUrl: OTHER }],
      ]),
    );
  });
});

describe('lockPinnedSet', () => {
  it('groups the packages by index, the registry of most packages first, each line pinned with its hashes', () => {
    const set = lockPinnedSet(
      lockSet(
        pkg('a', { kind: 'registry', url: CORP }),
        pkg('b', { kind: 'registry', url: PYPI }),
        pkg('c', { kind: 'registry', url: PYPI }),
        pkg('w', { kind: 'url', url: 'https://files.example/w-1.0-py3-none-any.whl' }),
      ),
      py312,
      {},
      { container: false },
    );
    expect(set.complete).toBe(true);
    expect(set.groups.map((group) => [group.index, group.entries.map((entry) => entry.text.split(' ')[0])])).toEqual([
      [{}, ['b==1.0', 'c==1.0', 'w']],
      [{ indexUrl: CORP }, ['a==1.0']],
    ]);
    expect(set.groups[0]?.entries[0]?.text).toBe(`b==1.0 --hash=sha256:${'a'.repeat(64)}`);
  });

  it('refuses by name what would have to be built here from source (git, a source archive URL), but not in a container', () => {
    const set = lockSet(
      pkg('fine', { kind: 'registry', url: PYPI }),
      pkg('fromgit', { kind: 'git', url: 'https://git.example/repo.git', commit: '0123456789abcdef0123' }, []),
      pkg('fromsdist', { kind: 'url', url: 'https://files.example/fromsdist-1.0.tar.gz' }),
    );
    expect(() => lockPinnedSet(set, py312, {}, { container: false })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.LOCK_UNSUPPORTED,
        message:
          'uv.lock has packages that come as source, not as wheels, which would have to be built on this machine for python3.12 on x86_64: fromgit (git https://git.example/repo.git@0123456789ab), fromsdist (https://files.example/fromsdist-1.0.tar.gz)',
        hint: expect.stringContaining('--container'),
      }),
    );
    const inContainer = lockPinnedSet(set, py312, {}, { container: true });
    expect(inContainer.groups.flatMap((group) => group.entries.map((entry) => entry.text))).toContain(
      'fromgit @ git+https://git.example/repo.git@0123456789abcdef0123',
    );
  });
});

describe('a lock of two indexes, installed by each installer', () => {
  const fixture = useLockIndexes();
  const LOCKS_AND_INSTALLERS = (['uv', 'poetry'] as const).flatMap((tool) => (['uv', 'pip'] as const).map((installer) => [tool, installer] as const));
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Builds the project (zeta on the second index, beta on the main one) and checks which index each package was asked of. */
  async function expectZetaFromSecondOnly(dir: string, tool: 'uv' | 'poetry', installer: 'uv' | 'pip'): Promise<void> {
    const { main, second } = fixture.indexes;
    const seen = { main: main.requests.length, second: second.requests.length };
    const result = await testBuild({ projectDir: dir, tool, installer });
    expect(result.packages).toEqual(['beta==2.0', 'zeta==1.0']);
    await access(join(result.pythonDir, 'zeta', '__init__.py'));
    const asked = (requests: string[], from: number) => requests.slice(from).filter((path) => /^\/(simple|files)\//.test(path));
    expect(asked(second.requests, seen.second).some((path) => path.includes('zeta'))).toBe(true);
    expect(asked(second.requests, seen.second).some((path) => path.includes('beta'))).toBe(false);
    expect(asked(main.requests, seen.main).some((path) => path.includes('zeta'))).toBe(false);
  }

  it.each(LOCKS_AND_INSTALLERS)(
    '%s.lock, %s installer: each package comes from the index the lock names, and is looked up on no other',
    async (tool, installer) => {
      const dir = await createLockedProject(tool, { dependencies: ['zeta==1.0', 'beta==2.0'], fromSecond: ['zeta'] }, fixture.indexes);
      dirs.push(dir);
      await expectZetaFromSecondOnly(dir, tool, installer);
    },
    90_000,
  );

  it.each(LOCKS_AND_INSTALLERS)(
    '%s.lock, %s installer: a package found only on a supplemental index (named by no dependency) is installed from it alone',
    async (tool, installer) => {
      const { second } = fixture.indexes;
      const dir = await createLockedProject(tool, { dependencies: ['zeta==1.0', 'beta==2.0'], secondIndex: 'supplemental' }, fixture.indexes);
      dirs.push(dir);
      // The lock itself records the second index for zeta: the tools searched it because it is supplemental.
      const lock = await readFile(join(dir, `${tool}.lock`), 'utf8');
      const zeta = lock.split('[[package]]').find((block) => /^name = "zeta"$/m.test(block)) ?? '';
      expect(zeta).toContain(tool === 'uv' ? second.url : 'reference = "second"');
      await expectZetaFromSecondOnly(dir, tool, installer);
    },
    90_000,
  );
});
