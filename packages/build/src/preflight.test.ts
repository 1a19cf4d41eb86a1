import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@lambda-layer/testing';
import { ErrorCodes, localLayout } from '@lambda-layer/core';
import { checkProjectFiles, findBuildTools, findPoetry, findUv } from './preflight.js';

const temp = useTempDir('preflight-', { each: true });

describe('checkProjectFiles', () => {
  it('asks for pyproject.toml first, then the lock, with how to make it', async () => {
    await expect(checkProjectFiles(localLayout(temp.path), 'poetry')).rejects.toMatchObject({ code: ErrorCodes.PYPROJECT_NOT_FOUND });
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\n');
    await expect(checkProjectFiles(localLayout(temp.path), 'poetry')).rejects.toMatchObject({ code: ErrorCodes.MANIFEST_NOT_FOUND, hint: 'run `poetry lock` in the project folder' });
    await expect(checkProjectFiles(localLayout(temp.path), 'pip')).rejects.toMatchObject({ code: ErrorCodes.MANIFEST_NOT_FOUND, message: expect.stringContaining('requirements.txt') });
    await writeFile(join(temp.path, 'uv.lock'), '');
    expect(await checkProjectFiles(localLayout(temp.path), 'uv')).toEqual([join(temp.path, 'pyproject.toml'), join(temp.path, 'uv.lock')]);
  });
});

describe('finding the tools', () => {
  it("finds the user's uv and Poetry, and hands every install to the pinned pip or uv", async () => {
    expect((await findUv(process.env)).version).toBe('0.13.9');
    expect((await findPoetry(process.env)).version).toBe('2.5.1');
    const poetry = await findBuildTools('poetry', process.env, false);
    expect(poetry.installer).toEqual({ name: 'pip', version: '25.3' });
    expect(poetry.python?.version).toMatch(/^3\.\d+\.\d+$/);
    const pip = await findBuildTools('pip', process.env, false);
    expect(pip.tool).toMatchObject({ version: '25.3', pinned: true });
    const uv = await findBuildTools('uv', process.env, false);
    expect(uv.installer).toEqual({ name: 'uv', version: '0.13.9' });
    // uv needs no host Python.
    expect(uv.python).toBeUndefined();
  });

  it('exports a uv project with the pinned uv when no uv is on PATH', async () => {
    const tools = await findBuildTools('uv', { ...process.env, PATH: '/usr/bin:/bin' }, false);
    expect(tools.tool).toMatchObject({ version: '0.13.9', pinned: true, command: expect.stringMatching(/tools\/uv-0\.13\.9-[a-z0-9-]+\/uv$/) });
  });

  it('says how to install a missing tool', async () => {
    const empty = { PATH: temp.path };
    await expect(findUv(empty)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED, hint: expect.stringContaining('pip install uv') });
    await expect(findPoetry(empty)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED, hint: expect.stringContaining('poetry-plugin-export') });
    await expect(findBuildTools('pip', empty, false)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED });
    await expect(findBuildTools('uv', empty, true)).rejects.toMatchObject({ code: ErrorCodes.TOOL_NOT_INSTALLED, hint: expect.stringContaining('without --container') });
  });
});
