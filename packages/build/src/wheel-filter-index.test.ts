import { rm } from 'node:fs/promises';
import { createMemoryLogger } from '@lambda-layer/core';
import {
  createFixtureProject,
  filesContaining,
  MAIN_PACKAGES,
  type PackageIndex,
  startPackageIndex,
  toolCacheEnv,
  wheelCacheDir,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from './build-layer.js';
import { parseJsonPage } from './simple-index.js';
import { isOfferable, startWheelFilterIndex } from './wheel-filter-index.js';

const glibc226 = { major: 2, minor: 26 };
const username = 'filter-user';
const password = 'filter-secret-1234';
let index: PackageIndex;
let dir: string;

beforeAll(async () => {
  index = await startPackageIndex({ dirs: [wheelCacheDir], auth: { username, password } });
  dir = await createFixtureProject('uv', { url: index.url, name: 'private', username, password });
}, 60_000);
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the wheel filter in front of an index (uv on Amazon Linux 2)', () => {
  it('offers sdists, pure wheels and wheels with one loadable manylinux tag; hides the rest', () => {
    expect(isOfferable('numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl', glibc226)).toBe(false);
    expect(isOfferable('pandas-2.3.3-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl', glibc226)).toBe(true);
    expect(isOfferable('numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', glibc226)).toBe(true);
    expect(isOfferable('x-1.0-cp311-cp311-macosx_11_0_arm64.whl', glibc226)).toBe(true);
    expect(isOfferable('six-1.17.0-py2.py3-none-any.whl', glibc226)).toBe(true);
    expect(isOfferable('numpy-2.4.6.tar.gz', glibc226)).toBe(true);
  });

  it('keeps the private index credentials to itself: pages and files reach the client without them', async () => {
    const filter = await startWheelFilterIndex({ indexUrl: index.url, credentials: { indexUrl: index.url, username, password }, glibc: glibc226 });
    try {
      const page = await fetch(`${filter.url}markupsafe/`);
      expect(page.headers.get('content-type')).toBe('application/vnd.pypi.simple.v1+json');
      const files = parseJsonPage(await page.text(), filter.url);
      expect(files.length).toBeGreaterThan(2);
      // Files on the private index come through the filter, which adds the credentials.
      expect(files.every((file) => file.url.startsWith(filter.url.replace('simple/', 'files/')))).toBe(true);
      const wheel = await fetch(files[0]?.url as string);
      expect(wheel.status).toBe(200);
      expect((await wheel.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      expect((await fetch(`${filter.url}no-such-project/`)).status).toBe(404);
    } finally {
      await filter.close();
    }
  });

  it('a uv build for python3.11 from a private index goes through it, and the password appears nowhere', async () => {
    const logger = createMemoryLogger({ verbose: true });
    const result = await buildLayer({
      projectDir: dir,
      tool: 'uv',
      pythonVersion: '3.11',
      architecture: 'x86_64',
      indexUrl: index.url,
      indexName: 'private',
      credentials: { indexUrl: index.url, indexName: 'private', username, password },
      yes: true,
      env: { ...process.env, ...toolCacheEnv },
      logger,
    });
    expect(result.packages).toEqual(MAIN_PACKAGES);
    const log = logger.lines.join('\n');
    expect(log).toMatch(
      /uv reads http:\/\/127\.0\.0\.1:\d+\/simple\/ through http:\/\/127\.0\.0\.1:\d+\/simple\/, which hides wheels needing glibc > 2\.26/,
    );
    expect(log).not.toContain(password);
    expect(await filesContaining(dir, password)).toEqual([]);
  }, 90_000);
});
