import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BuildResult, localLayout } from '@lambda-layer/core';
import { type BuildStampKey, readBuildStamp, unchangedResult, writeBuildStamp } from './stamp.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stamp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key: BuildStampKey = { manifestMd5: 'abc', tool: 'uv', pythonVersion: '3.12', architecture: 'arm64', container: false, installer: 'uv', installerVersion: '0.13.9' };

describe('build stamp', () => {
  it('gives the previous result as unchanged only when manifest, tool and target match and artifacts/python exists', async () => {
    const layout = localLayout(dir);
    await mkdir(layout.buildDir, { recursive: true });
    const result = { status: 'built', tool: 'uv', pythonVersion: '3.12', architecture: 'arm64', container: false, pythonDir: layout.pythonDir, packages: ['a==1'], bytes: 1, files: 1 } satisfies BuildResult;
    await writeBuildStamp(layout, key, result);
    expect(await readBuildStamp(layout)).toMatchObject({ version: 1, ...key, result });
    // No artifacts/python: must build.
    expect(await unchangedResult(layout, key)).toBeUndefined();
    await mkdir(layout.pythonDir, { recursive: true });
    expect(await unchangedResult(layout, key)).toEqual({ ...result, status: 'unchanged' });
    for (const change of [{ manifestMd5: 'def' }, { tool: 'pip' }, { pythonVersion: '3.11' }, { architecture: 'x86_64' }, { container: true }, { installer: 'pip' }, { installerVersion: '0.14.0' }] as const) {
      expect(await unchangedResult(layout, { ...key, ...change })).toBeUndefined();
    }
  });
});
