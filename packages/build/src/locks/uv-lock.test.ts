import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, isLayerError } from '@lambda-layer/core';
import { repoRoot } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { createLockedProject, environmentOf, expectSameAsExport, ORACLE_TARGETS, tool, useLockIndexes } from '../__fixtures__/lock-projects.js';
import { targetPlatform } from '../platform.js';
import { formatInstallRequirements, type LockedInstallSet } from './locked-package.js';
import { readLockedInstallSet } from './read-lock.js';
import { readUvLock } from './uv-lock.js';

describe('readUvLock against `uv export` (real uv.lock files)', () => {
  const fixture = useLockIndexes('uv');

  it('examples/uv-app (a plain lock from PyPI): the same packages and hashes for every target', async () => {
    await expectSameAsExport('uv', join(repoRoot, 'examples', 'uv-app'), []);
  });

  it.each([[[]], [['feature']], [['feature', 'other']]])(
    'the marker/extras/two-index graph with project extras %j: the same set as `uv export` for every target',
    async (extras: string[]) => {
      await expectSameAsExport('uv', fixture.graphDir, extras);
    },
  );

  it('follows markers and extras the way the tools do: a closer look at two targets', async () => {
    const lockText = await readFile(join(fixture.graphDir, 'uv.lock'), 'utf8');
    const x86 = readUvLock(lockText, { environment: environmentOf(ORACLE_TARGETS[0]) });
    const arm = readUvLock(lockText, { environment: environmentOf(ORACLE_TARGETS[2]) });
    const names = (set: LockedInstallSet) => set.packages.map((pkg) => `${pkg.name}==${pkg.version}`);
    // 3.11 x86_64: oldpy (python_version < 3.12), six (x86_64), beta 1.0 for newpy on < 3.12 and beta 2.0 for alpha's beta>=1.
    expect(names(x86)).toEqual(expect.arrayContaining(['oldpy==1.0', 'six==1.17.0', 'epsilon==1.0', 'delta==1.0', 'zeta==1.0']));
    expect(names(x86)).not.toContain('armonly==1.0');
    // 3.12 arm64: armonly in, six and oldpy out; no Windows package, no dev group, no project extra anywhere.
    expect(names(arm)).toContain('armonly==1.0');
    for (const absent of ['six==1.17.0', 'oldpy==1.0']) expect(names(arm)).not.toContain(absent);
    for (const set of [x86, arm]) {
      for (const absent of ['winonly', 'devonly', 'pyyaml', 'markupsafe', 'lock-fixture'])
        expect(set.packages.map((pkg) => pkg.name)).not.toContain(absent);
    }
    // Sources: the second index for zeta, a direct URL for viaurl.
    expect(arm.packages.find((pkg) => pkg.name === 'zeta')?.source).toEqual({ kind: 'registry', url: fixture.indexes.second.url });
    expect(arm.packages.find((pkg) => pkg.name === 'viaurl')?.source.kind).toBe('url');
    expect(arm.packages.find((pkg) => pkg.name === 'armonly')?.markers).toEqual(["platform_machine == 'aarch64'"]);
    const git = arm.packages.find((pkg) => pkg.name === 'gitpkg')?.source;
    expect(git?.kind === 'git' && git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git?.kind === 'git' && git.url).toBe(`file://${fixture.indexes.gitRepo}`);
  });

  it('writes a hash-pinned requirements file, no markers, that `uv pip install --require-hashes --no-deps` installs exactly', async () => {
    const lockText = await readFile(join(fixture.graphDir, 'uv.lock'), 'utf8');
    const target = ORACLE_TARGETS[2];
    const full = readUvLock(lockText, { environment: environmentOf(target) });
    // A git dependency has no file hash: hash-checking mode refuses it, so it is left out here.
    expect(formatInstallRequirements(full)).toMatch(/^gitpkg @ git\+file:\/\/.*@[0-9a-f]{40}$/m);
    const set = { ...full, packages: full.packages.filter((pkg) => pkg.source.kind !== 'git') };
    const text = formatInstallRequirements(set);
    expect(text).not.toMatch(/;/);
    expect(text).toMatch(/^zeta==1\.0 \\\n {4}--hash=sha256:[0-9a-f]{64}$/m);
    const file = join(fixture.graphDir, 'install.txt');
    const targetDir = join(fixture.graphDir, 'installed');
    await writeFile(file, text);
    const platform = targetPlatform(target);
    await tool(
      'uv',
      [
        'pip',
        'install',
        '--require-hashes',
        '--no-deps',
        '--target',
        targetDir,
        '--python-platform',
        platform.uvPlatform,
        '--python-version',
        target.pythonVersion,
        '--index-url',
        fixture.indexes.main.url,
        '--extra-index-url',
        fixture.indexes.second.url,
        '-r',
        file,
      ],
      fixture.graphDir,
    );
    const installed = (await readdir(targetDir))
      .filter((name) => name.endsWith('.dist-info'))
      .map((name) =>
        name
          .replace(/\.dist-info$/, '')
          .toLowerCase()
          .replace(/_/g, '-')
          .replace(/-(?=[^-]*$)/, '=='),
      );
    expect(installed.sort()).toEqual(set.packages.map((pkg) => `${pkg.name}==${pkg.version}`).sort());
  });
});

describe('readLockedInstallSet for uv.lock: refusals', () => {
  const fixture = useLockIndexes();

  it('refuses a local path dependency by name, with the fix', async () => {
    const dir = await createLockedProject(
      'uv',
      { dependencies: [`localwheel @ file://${join(fixture.indexes.wheelDir, 'localwheel-1.0-py3-none-any.whl')}`, 'beta==2.0'] },
      fixture.indexes,
    );
    const error = await readLockedInstallSet({ dir, tool: 'uv', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_UNSUPPORTED);
    expect((error as Error).message).toMatch(/local path dependencies.*localwheel/);
  });

  it('refuses a target outside requires-python (instead of an empty layer)', async () => {
    const dir = await createLockedProject('uv', { dependencies: ['beta==2.0'], requiresPython: '>=3.11,<3.12' }, fixture.indexes);
    const error = await readLockedInstallSet({ dir, tool: 'uv', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.PYTHON_VERSION_EXCLUDED);
    expect((error as Error).message).toBe("the project's requires-python ==3.11.* (recorded in uv.lock) excludes Python 3.12");
    const ok = await readLockedInstallSet({ dir, tool: 'uv', environment: environmentOf(ORACLE_TARGETS[0]) });
    expect(ok.packages.map((pkg) => pkg.name)).toEqual(['beta']);
  });

  it('refuses a lock that is not TOML, naming the line', async () => {
    const dir = await createLockedProject('uv', { dependencies: ['beta==2.0'] }, fixture.indexes);
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n[[package]\nname = "x"\n');
    const error = await readLockedInstallSet({ dir, tool: 'uv', environment: environmentOf(ORACLE_TARGETS[1]) }).catch((e: unknown) => e);
    expect(isLayerError(error) && error.code).toBe(ErrorCodes.LOCK_INVALID);
    expect((error as Error).message).toMatch(/^uv\.lock cannot be read: invalid TOML at line 2/);
  });
});
