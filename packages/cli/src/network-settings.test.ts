import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, resolveConfig } from '@lambda-layer/core';
import { parseJsonOutput, runLayer, useTestCa } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNetworkSettings, resolveS3ObjectSettings } from './network-settings.js';

const ca = useTestCa();
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'network-settings-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let projects = 0;
async function project(section = ''): Promise<string> {
  const dir = join(root, `p${(projects += 1)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pyproject.toml'), `[project]\nname = "x"\nversion = "0"\n\n[tool.lambda-layer]\n${section}`);
  return dir;
}

/** An AWS config file whose profile `ci` names a CA bundle. */
async function awsConfig(caBundle: string): Promise<string> {
  const path = join(root, `aws-config-${(projects += 1)}`);
  await writeFile(path, `[default]\nregion = us-east-1\n\n[profile ci]\nregion = eu-west-1\nca_bundle = ${caBundle}\n`);
  return path;
}

async function settingsOf(dir: string, options: { flags?: Record<string, unknown>; env?: Record<string, string> }) {
  const env = { ...options.env };
  const config = await resolveConfig({ projectDir: dir, flags: options.flags ?? {}, env });
  return resolveNetworkSettings(config, { projectDir: dir, env, profile: config.values.profile });
}

describe('the CA bundle in force', () => {
  it("--ca-bundle, then LAYER_CA_BUNDLE, AWS_CA_BUNDLE, pyproject (relative to the project), then the profile's ca_bundle", async () => {
    const dir = await project('ca-bundle = "certs/ca.pem"\n');
    await mkdir(join(dir, 'certs'));
    await writeFile(join(dir, 'certs', 'ca.pem'), ca().caPem);
    const profileConfig = await awsConfig(ca().otherCaFile);
    const env = { AWS_CONFIG_FILE: profileConfig, AWS_PROFILE: 'ci', AWS_CA_BUNDLE: ca().otherCaFile, LAYER_CA_BUNDLE: ca().caFile };
    const source = async (flags: Record<string, unknown>, over: Record<string, string>) =>
      (await settingsOf(dir, { flags, env: over })).caBundle?.source;

    expect(await source({ 'ca-bundle': ca().caFile }, env)).toBe('--ca-bundle');
    expect(await source({}, env)).toBe('LAYER_CA_BUNDLE');
    const withoutLayer: Record<string, string> = { ...env };
    delete withoutLayer.LAYER_CA_BUNDLE;
    expect(await source({}, withoutLayer)).toBe('AWS_CA_BUNDLE');
    const fileOnly: Record<string, string> = { ...withoutLayer };
    delete fileOnly.AWS_CA_BUNDLE;
    const fromPyproject = (await settingsOf(dir, { env: fileOnly })).caBundle;
    expect(fromPyproject).toMatchObject({
      path: join(dir, 'certs', 'ca.pem'),
      source: `ca-bundle in ${join(dir, 'pyproject.toml')}`,
      pem: ca().caPem,
      ownSetting: true,
    });
    const bare = await project();
    expect((await settingsOf(bare, { env: fileOnly })).caBundle?.source).toBe('ca_bundle of the AWS profile ci');
    expect((await settingsOf(bare, { env: { AWS_CONFIG_FILE: profileConfig } })).caBundle).toBeUndefined();
  });

  it('a missing file named on the command line is a usage error; one in pyproject.toml a config error', async () => {
    const dir = await project('ca-bundle = "nowhere.pem"\n');
    await expect(settingsOf(dir, { flags: { 'ca-bundle': join(root, 'missing.pem') } })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      message: `invalid --ca-bundle: the CA bundle ${join(root, 'missing.pem')} (from --ca-bundle) does not exist`,
    });
    await expect(settingsOf(dir, {})).rejects.toMatchObject({ code: ErrorCodes.CA_BUNDLE_INVALID });
  });
});

describe('the proxy in force', () => {
  it('--proxy, LAYER_PROXY or pyproject win over HTTPS_PROXY; NO_PROXY always applies', async () => {
    const dir = await project('proxy = "http://file-proxy:3128"\n');
    const env = { HTTPS_PROXY: 'http://env-proxy:3128', NO_PROXY: '.internal' };
    expect((await settingsOf(dir, { flags: { proxy: 'flag-proxy:8080' }, env })).proxy).toEqual({
      https: 'http://flag-proxy:8080',
      http: 'http://flag-proxy:8080',
      source: '--proxy',
    });
    expect((await settingsOf(dir, { env: { ...env, LAYER_PROXY: 'http://u:p@layer-proxy:1' } })).proxy?.source).toBe('LAYER_PROXY');
    const fromFile = await settingsOf(dir, { env });
    expect(fromFile.proxy?.https).toBe('http://file-proxy:3128');
    expect(fromFile.noProxy).toBe('.internal');
    expect((await settingsOf(await project(), { env })).proxy).toEqual({ https: 'http://env-proxy:3128', http: undefined, source: 'HTTPS_PROXY' });
  });

  it('refuses credentials on the command line (every process can read argv) and in pyproject.toml (it is committed)', async () => {
    await expect(settingsOf(await project(), { flags: { proxy: 'http://alice:secret@proxy:3128' } })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      message: '--proxy must not contain a user name or password',
    });
    await expect(settingsOf(await project('proxy = "http://alice:secret@proxy:3128"\n'), {})).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID_VALUE,
    });
  });
});

describe('the S3 object settings', () => {
  it('are checked together: from the command line a usage error, from pyproject.toml a config error', async () => {
    const ok = await resolveConfig({
      projectDir: await project(),
      flags: { 'sse-kms-key-id': 'alias/layers', 'bucket-key': true, 'expected-bucket-owner': '123456789012' },
      env: {},
    });
    expect(resolveS3ObjectSettings(ok)).toEqual({ sse: 'aws:kms', kmsKeyId: 'alias/layers', bucketKey: true, expectedBucketOwner: '123456789012' });
    const flag = await resolveConfig({ projectDir: await project(), flags: { 'bucket-key': true }, env: {} });
    expect(() => resolveS3ObjectSettings(flag)).toThrow(expect.objectContaining({ code: ErrorCodes.USAGE }));
    const file = await resolveConfig({ projectDir: await project('sse = "AES256"\nsse-kms-key-id = "alias/x"\n'), env: {} });
    expect(() => resolveS3ObjectSettings(file)).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID_VALUE }));
  });
});

describe('the layer command', () => {
  it('exits 2 for a bad network flag and 1 for a bad pyproject value, in one line, before any step runs', async () => {
    const dir = await project();
    const flag = await runLayer([
      'upload',
      '--project-dir',
      dir,
      '--s3dir',
      's3://my-bucket/p/',
      '--proxy',
      'http://alice:secret@proxy:3128',
      '--json',
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'error: --proxy must not contain a user name or password; put the proxy with its credentials in the environment instead: LAYER_PROXY or HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT\n',
    );
    expect(flag.stdout + flag.stderr).not.toContain('secret');
    expect(parseJsonOutput<{ error: { code: string } }>(flag).error.code).toBe(ErrorCodes.USAGE);

    const sse = await runLayer(['upload', '--project-dir', dir, '--s3dir', 's3://my-bucket/p/', '--sse', 'rot13']);
    expect(sse.code).toBe(2);
    expect(sse.stderr).toMatch(/^error: invalid --sse: unknown server-side encryption "rot13"; use aws:kms \(SSE-KMS\) or AES256 \(SSE-S3\)\n$/);

    const owner = await runLayer(['upload', '--project-dir', dir, '--s3dir', 's3://my-bucket/p/', '--expected-bucket-owner', '12']);
    expect(owner.code).toBe(2);

    const withCa = await project('s3dir = "s3://my-bucket/p/"\nlayer-name = "deps"\nca-bundle = "ca.pem"\n');
    await writeFile(join(withCa, 'uv.lock'), 'version = 1\n');
    const missingCa = await runLayer(['publish', '--project-dir', withCa], { env: { ...process.env, AWS_CA_BUNDLE: '' } });
    expect(missingCa.code).toBe(1);
    expect(missingCa.stderr).toMatch(
      /^error: the CA bundle .*ca\.pem \(from ca-bundle in .*pyproject\.toml\) does not exist; point ca-bundle in .* at a PEM file of CA certificates\n$/,
    );
  });

  it('reads the CA bundle only when something connects: a broken AWS_CA_BUNDLE does not fail `layer package`', async () => {
    const result = await runLayer(['package', '--project-dir', await project()], { env: { ...process.env, AWS_CA_BUNDLE: join(root, 'nope.pem') } });
    expect(result.stderr).not.toContain('CA bundle');
  });
});
