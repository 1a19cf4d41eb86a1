import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { type BuildTool, createMemoryLogger, ErrorCodes, type LayerError } from '@lambda-layer/core';
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
import { credentialVariableNames, installerEnv, uvIndexArgs } from './credentials.js';
import { credentialsFromEnv } from './index-credentials.js';

const username = 'layer-user';
// Characters that change under URL encoding, so both forms must be masked.
const password = `pw+${randomBytes(6).toString('hex')}/:!`;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
let index: PackageIndex;
const projects = new Map<BuildTool, string>();

beforeAll(async () => {
  index = await startPackageIndex({ dirs: [wheelCacheDir], auth: { username, password } });
  // The locks are made against the private index too, with the tools' own credential variables.
  for (const tool of ['pip', 'uv', 'poetry'] as const) {
    projects.set(tool, await createFixtureProject(tool, { url: index.url, name: 'private', username, password }));
  }
}, 120_000);

afterAll(async () => {
  await index.close();
  await Promise.all([...projects.values()].map((dir) => rm(dir, { recursive: true, force: true })));
});

function expectNoSecret(text: string): void {
  expect(text).not.toContain(password);
  expect(text).not.toContain(encodeURIComponent(password));
}

const COMBINATIONS = (['pip', 'uv', 'poetry'] as const).flatMap((tool) => (['uv', 'pip'] as const).map((installer) => [tool, installer] as const));

describe.each(COMBINATIONS)('a private index with basic auth, a %s manifest installed by %s', (tool, installer) => {
  it('builds with the right password, which appears nowhere in output, logs or the build tree', async () => {
    const dir = projects.get(tool) as string;
    const logger = createMemoryLogger({ verbose: true });
    const credentials = credentialsFromEnv(
      { indexUrl: index.url, indexName: 'private' },
      { LAYER_INDEX_USERNAME: username, LAYER_INDEX_PASSWORD: password },
    );
    const result = await buildLayer({
      projectDir: dir,
      tool,
      installer,
      indexUrl: index.url,
      indexName: 'private',
      credentials,
      yes: true,
      env,
      logger,
      force: true,
    });
    expect(result.packages).toEqual(MAIN_PACKAGES);
    // Debug logs include every line the tools printed.
    expect(logger.lines.some((line) => line.startsWith('debug: $ '))).toBe(true);
    expectNoSecret(logger.lines.join('\n'));
    expectNoSecret(JSON.stringify(result));
    expect(await filesContaining(dir, password)).toEqual([]);
    expect(await filesContaining(dir, encodeURIComponent(password))).toEqual([]);
  }, 90_000);

  it('fails clearly with a wrong password, without showing either password', async () => {
    const dir = projects.get(tool) as string;
    const logger = createMemoryLogger({ verbose: true });
    const wrong = `${password}-wrong`;
    const error = (await buildLayer({
      projectDir: dir,
      tool,
      installer,
      indexUrl: index.url,
      indexName: 'private',
      credentials: { username, password: wrong },
      yes: true,
      env,
      logger,
      force: true,
    }).catch((e: unknown) => e)) as LayerError;
    expect(error).toMatchObject({ code: ErrorCodes.INDEX_AUTH_FAILED, details: { status: 401 } });
    expect(error.message).toBe(`the package index ${index.url} refused the credentials (HTTP 401)`);
    expect(error.hint).toContain('LAYER_INDEX_PASSWORD');
    expectNoSecret(`${error.message} ${error.hint} ${JSON.stringify(error.toJSON())} ${logger.lines.join('\n')}`);
    expect(logger.lines.join('\n')).not.toContain(wrong);
  }, 90_000);
});

describe('credentials reach the tools through their environment only', () => {
  const credentials = { indexUrl: 'https://pkgs.example.com/simple/', indexName: 'corp', username: 'u', password: 's3cr3t-value' };

  it('pip: PIP_INDEX_URL carries them; uv: UV_INDEX_CORP_*; argv has the URL and name only', () => {
    expect(installerEnv('pip', credentials, {}).PIP_INDEX_URL).toBe('https://u:s3cr3t-value@pkgs.example.com/simple/');
    expect(installerEnv('uv', credentials, {})).toMatchObject({
      UV_INDEX_CORP_USERNAME: 'u',
      UV_INDEX_CORP_PASSWORD: 's3cr3t-value',
      UV_PYTHON_DOWNLOADS: 'never',
    });
    expect(uvIndexArgs(credentials)).toEqual(['--default-index', 'corp=https://pkgs.example.com/simple/']);
    expect(uvIndexArgs(credentials).join(' ')).not.toContain('s3cr3t');
  });

  it('a container gets the variables by name', () => {
    expect(credentialVariableNames({ PIP_INDEX_URL: 'x', PATH: '/bin', PIP_EXTRA_INDEX_URL: 'y', NO_PROXY: '127.0.0.1' })).toEqual([
      'PIP_INDEX_URL',
      'PIP_EXTRA_INDEX_URL',
    ]);
    // The proxy (whose URL may hold a password) and its exceptions, by name only, when a proxy is set.
    expect(
      credentialVariableNames({ HTTPS_PROXY: 'http://u:p@proxy:3128', https_proxy: 'http://u:p@proxy:3128', NO_PROXY: '.corp', PATH: '/bin' }),
    ).toEqual(['HTTPS_PROXY', 'https_proxy', 'NO_PROXY']);
  });
});
