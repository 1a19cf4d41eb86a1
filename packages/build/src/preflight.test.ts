import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, localLayout } from '@lambda-layer/core';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { findPythonProgram, pythonCandidates } from './installers.js';
import { checkProjectFiles, findBuildTools, findPoetry, findUv } from './preflight.js';

const temp = useTempDir('preflight-', { each: true });

describe('checkProjectFiles', () => {
  it('asks for pyproject.toml first, then the lock, with how to make it', async () => {
    await expect(checkProjectFiles(localLayout(temp.path), 'poetry')).rejects.toMatchObject({ code: ErrorCodes.PYPROJECT_NOT_FOUND });
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\n');
    await expect(checkProjectFiles(localLayout(temp.path), 'poetry')).rejects.toMatchObject({
      code: ErrorCodes.MANIFEST_NOT_FOUND,
      hint: 'run `poetry lock` in the project folder',
    });
    await expect(checkProjectFiles(localLayout(temp.path), 'pip')).rejects.toMatchObject({
      code: ErrorCodes.MANIFEST_NOT_FOUND,
      message: expect.stringContaining('requirements.txt'),
    });
    await writeFile(join(temp.path, 'uv.lock'), '');
    expect(await checkProjectFiles(localLayout(temp.path), 'uv')).toEqual([join(temp.path, 'pyproject.toml'), join(temp.path, 'uv.lock')]);
  });
});

describe('finding the tools', () => {
  it("finds the user's uv and Poetry (their versions are the Nx plugin's cache inputs)", async () => {
    expect((await findUv(process.env)).version).toBe('0.13.9');
    expect((await findPoetry(process.env)).version).toBe('2.5.1');
  });

  it('runs nothing to know the installers: their versions are pinned; pip finds the Python that runs it', async () => {
    const uv = await findBuildTools('uv', process.env, false);
    expect(uv).toMatchObject({ installer: { name: 'uv', version: '0.13.9' }, python: undefined });
    // uv lays a --target folder out for a Python program: one on PATH, not a version manager's shim.
    expect(uv.uvPython).toMatch(/python3$/);
    const pip = await findBuildTools('pip', process.env, false);
    expect(pip.installer).toEqual({ name: 'pip', version: '25.3' });
    expect(pip.python?.version).toMatch(/^3\.\d+\.\d+$/);
  });

  it('skips shims for a Python program, and leaves uv to look itself when PATH has none', async () => {
    const shims = join(temp.path, 'shims');
    await mkdir(shims);
    await writeFile(join(shims, 'python3'), '#!/bin/sh\nexec /usr/bin/python3 "$@"\n', { mode: 0o755 });
    expect(await findPythonProgram({ PATH: `${shims}:/usr/bin:/bin` })).toMatch(/^\/(usr\/)?bin\/python3$/);
    expect(await findPythonProgram({ PATH: shims })).toBeUndefined();
    const candidates = await pythonCandidates({ PATH: `${shims}:/usr/bin` });
    expect(candidates[0]).toEqual({ path: '/usr/bin/python3', program: true });
    expect(candidates.at(-1)).toEqual({ path: join(shims, 'python3'), program: false });
  });

  it('says how to install a missing tool', async () => {
    const empty = { PATH: temp.path };
    await expect(findUv(empty)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED, hint: expect.stringContaining('pip install uv') });
    await expect(findPoetry(empty)).rejects.toMatchObject({
      code: ErrorCodes.TOOL_NOT_INSTALLED,
      hint: expect.stringContaining('pipx install poetry'),
    });
    await expect(findBuildTools('pip', empty, false)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED });
    await expect(findBuildTools('pip', empty, true)).rejects.toMatchObject({
      code: ErrorCodes.TOOL_NOT_INSTALLED,
      hint: expect.stringContaining('without --container'),
    });
  });
});
