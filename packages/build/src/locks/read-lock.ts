import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, LayerError, manifestFileName, toLayerErrorFromSystem } from '@lambda-layer/core';
import { assertLockFresh, poetryLockFreshness, uvLockFreshness } from './lock-freshness.js';
import { type LockedInstallSet, type LockTarget, refuseLocalSources } from './locked-package.js';
import { parsePoetryLock, readPoetryLock } from './poetry-lock.js';
import { parseToml, stringOf, tableOf } from './toml.js';
import { parseUvLock, readUvLock } from './uv-lock.js';

export interface ReadLockOptions extends LockTarget {
  /** The folder holding pyproject.toml and the lock (the project, or build's repo/ copy). */
  dir: string;
  tool: 'uv' | 'poetry';
}

/**
 * The pinned install set of a project's poetry.lock or uv.lock for one
 * target, read straight from the files: refuses a lock that is stale
 * against pyproject.toml ("run `uv lock`"), a target outside the project's
 * requires-python, and local path dependencies — each in one line.
 */
export async function readLockedInstallSet(options: ReadLockOptions): Promise<LockedInstallSet> {
  const lockFile = manifestFileName(options.tool) as 'uv.lock' | 'poetry.lock';
  const relock = options.tool === 'uv' ? 'run `uv lock`' : 'run `poetry lock`';
  const [pyprojectText, lockText] = await Promise.all([readText(join(options.dir, 'pyproject.toml')), readText(join(options.dir, lockFile))]);
  const pyproject = parseToml(pyprojectText, 'pyproject.toml', 'fix the TOML syntax');
  let set: LockedInstallSet;
  if (options.tool === 'uv') {
    const lock = parseUvLock(lockText);
    assertLockFresh(uvLockFreshness(lock, pyproject), lockFile);
    set = readUvLock(lock, options, { projectName: stringOf(tableOf(pyproject.project).name) });
  } else {
    const lock = parsePoetryLock(lockText);
    assertLockFresh(poetryLockFreshness(lock, pyproject), lockFile);
    set = readPoetryLock(lock, options);
  }
  refuseLocalSources(set, relock);
  return set;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw toLayerErrorFromSystem(error, { path, doing: `read ${path}` }) ?? error;
    throw new LayerError(ErrorCodes.MANIFEST_NOT_FOUND, `${path} does not exist`, {
      hint: 'run the build from the folder holding pyproject.toml and the lock file',
    });
  }
}
