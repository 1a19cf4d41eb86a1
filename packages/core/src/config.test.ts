import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPyprojectConfig, requireConfigValue, resolveConfig } from './config.js';
import { configEnvName } from './config-schema.js';
import { ErrorCodes, type LayerError } from './errors.js';
import { LAMBDA_LIMITS, LAMBDA_RUNTIMES } from './lambda.js';
import { checkRegionTargets, configuredRegions, s3dirForRegion } from './regions.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pyproject = (text: string) => writeFile(join(dir, 'pyproject.toml'), text);

describe('config', () => {
  it('reads [tool.lambda-layer] with the CLI long flag names as keys', async () => {
    await pyproject(
      `[project]\nname = "app"\n\n[tool.lambda-layer]\nlayer-name = "my-deps"\ns3dir = "s3://b-1/app/"\ntool = "uv"\npython-version = "3.12"\nignore = ["*/tests/*"]\nkeep-bytecode = true\ncompression-level = 6\n`,
    );
    const config = await loadPyprojectConfig(dir);
    expect(config.values).toEqual({
      'layer-name': 'my-deps',
      s3dir: 's3://b-1/app/',
      tool: 'uv',
      'python-version': '3.12',
      ignore: ['*/tests/*'],
      'keep-bytecode': true,
      'compression-level': 6,
    });
  });

  it('applies flag > environment > pyproject > default', async () => {
    await pyproject(`[tool.lambda-layer]\nlayer-name = "from-pyproject"\ns3dir = "s3://b-1/py/"\ntool = "poetry"\n`);
    const config = await resolveConfig({
      projectDir: dir,
      flags: { 'layer-name': 'from-flag', ignore: [] },
      env: { LAYER_S3DIR: 's3://b-1/env/', LAYER_IGNORE: 'a/*, b/*', LAYER_KEEP_BYTECODE: 'yes' },
      defaults: { tool: 'uv', architecture: 'x86_64' },
    });
    expect(config.values['layer-name']).toBe('from-flag');
    expect(config.values.s3dir).toBe('s3://b-1/env/');
    expect(config.values.tool).toBe('poetry');
    expect(config.values.architecture).toBe('x86_64');
    expect(config.values.ignore).toEqual(['a/*', 'b/*']);
    expect(config.values['keep-bytecode']).toBe(true);
    expect(config.sources).toMatchObject({ 'layer-name': 'flag', s3dir: 'env', tool: 'pyproject', architecture: 'default', ignore: 'env' });
  });

  it('names the environment variable of each key', () => {
    expect(configEnvName('s3dir')).toBe('LAYER_S3DIR');
    expect(configEnvName('layer-name')).toBe('LAYER_LAYER_NAME');
  });

  it('accepts a missing pyproject.toml unless required', async () => {
    expect((await loadPyprojectConfig(dir)).exists).toBe(false);
    await expect(loadPyprojectConfig(dir, { required: true })).rejects.toMatchObject({
      code: ErrorCodes.PYPROJECT_NOT_FOUND,
      oneLine: `pyproject.toml not found in ${dir}; run in the folder holding pyproject.toml or pass --project-dir`,
    });
  });

  it('rejects a pyproject.toml that is not valid TOML, naming the file and line', async () => {
    await pyproject('[tool.lambda-layer]\nlayer-name = "unterminated\n');
    const error = (await loadPyprojectConfig(dir).catch((e: unknown) => e)) as LayerError;
    expect(error.code).toBe(ErrorCodes.PYPROJECT_INVALID_TOML);
    expect(error.oneLine).toMatch(new RegExp(`^${join(dir, 'pyproject.toml')} is not valid TOML at line 2`));
    expect(error.oneLine).not.toContain('\n');
  });

  it('rejects an unknown key, naming the key and the file', async () => {
    await pyproject('[tool.lambda-layer]\nlayer_name = "typo"\n');
    const error = (await loadPyprojectConfig(dir).catch((e: unknown) => e)) as LayerError;
    expect(error.code).toBe(ErrorCodes.CONFIG_UNKNOWN_KEY);
    expect(error.message).toBe(`unknown key "layer_name" in [tool.lambda-layer] of ${join(dir, 'pyproject.toml')}`);
    expect(error.details).toEqual({ key: 'layer_name', file: join(dir, 'pyproject.toml') });
  });

  it('rejects a value of the wrong type: in pyproject.toml a config error naming the file, from the environment a usage error', async () => {
    await pyproject('[tool.lambda-layer]\nkeep-bytecode = "maybe"\n');
    await expect(loadPyprojectConfig(dir)).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID_VALUE,
      message: `invalid keep-bytecode in [tool.lambda-layer] of ${join(dir, 'pyproject.toml')}: must be true or false, got "maybe"`,
    });
    await pyproject('[project]\n');
    await expect(resolveConfig({ projectDir: dir, env: { LAYER_COMPRESSION_LEVEL: 'max' } })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      message: 'invalid LAYER_COMPRESSION_LEVEL: must be a whole number, got "max"',
    });
  });

  it.each([
    [{ tool: 'nope' }, 'invalid --tool: unknown build tool "nope"; use one of pip, poetry, uv (--tool or tool = "…" in [tool.lambda-layer])'],
    [{ architecture: 'sparc' }, 'invalid --architecture: unsupported architecture "sparc"; use x86_64 or arm64 (--architecture)'],
    [{ 'python-version': '2.7' }, 'invalid --python-version: unsupported Python version "2.7"'],
    [{ 'compression-level': 12 }, 'invalid --compression-level: compression level must be a whole number from 0 to 9, got 12'],
    [{ s3dir: 's3://Bad_Bucket/app/' }, 'invalid --s3dir: invalid S3 URI "s3://Bad_Bucket/app/": "Bad_Bucket" is not a valid bucket name'],
    [{ 'layer-name': 'my layer' }, 'invalid --layer-name: invalid layer name "my layer"; use only letters, digits, "-" and "_"'],
    [{ 'layer-name': 'arn:aws:lambda:us-east-1:123:layer:x' }, 'invalid --layer-name: invalid layer ARN'],
    [{ 'compatible-runtime': ['python3.12', 'python9'] }, 'invalid --compatible-runtime: unknown Lambda runtime "python9"'],
    [
      { 'compatible-runtime': LAMBDA_RUNTIMES.slice(-(LAMBDA_LIMITS.compatibleRuntimesMax + 1)) },
      "invalid --compatible-runtime: 16 compatible runtimes given, more than Lambda's 15",
    ],
    [{ 'compatible-architecture': ['amd64'] }, 'invalid --compatible-architecture: unknown architecture "amd64"'],
    [{ 'index-url': 'https://user:secret@pkgs.example.com/simple/' }, 'invalid --index-url: the index URL must not contain a username or password'],
    [{ 'index-url': 'ftp://pkgs.example.com/' }, 'invalid --index-url: the index URL must be http or https, got ftp:'],
    [{ description: 'd'.repeat(257) }, "invalid --description: the description is 257 characters long, more than Lambda's 256"],
    [{ region: 'US East' }, 'invalid --region: invalid AWS region "US East"'],
  ])('refuses the flag value %o as a usage error', async (flags, oneLine) => {
    const error = await resolveConfig({ projectDir: dir, env: {}, flags }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.USAGE, details: { source: 'flag' } });
    expect((error as { oneLine: string }).oneLine.startsWith(oneLine), (error as Error).message).toBe(true);
  });

  it('names the variable for a bad value from the environment and the file for one from pyproject.toml', async () => {
    await expect(resolveConfig({ projectDir: dir, env: { LAYER_ARCHITECTURE: 'sparc' } })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      message: 'invalid LAYER_ARCHITECTURE: unsupported architecture "sparc"',
    });
    await pyproject('[tool.lambda-layer]\ntool = "conda"\n');
    await expect(resolveConfig({ projectDir: dir, env: {} })).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID_VALUE,
      message: `invalid tool in [tool.lambda-layer] of ${join(dir, 'pyproject.toml')}: unknown build tool "conda"`,
    });
  });

  it('normalises values and says so when it completes an s3dir', async () => {
    const config = await resolveConfig({
      projectDir: dir,
      env: { LAYER_ARCHITECTURE: 'aarch64' },
      flags: { 'python-version': 'python3.13', s3dir: 's3://b-1/app' },
    });
    expect(config.values).toMatchObject({ architecture: 'arm64', 'python-version': '3.13', s3dir: 's3://b-1/app/' });
    expect(config.notices).toEqual(['s3dir "s3://b-1/app" does not end with "/": using the folder s3://b-1/app/']);
    // From pyproject.toml, only when the value is the one in use.
    await pyproject('[tool.lambda-layer]\ns3dir = "s3://b-1/py"\n');
    expect((await resolveConfig({ projectDir: dir, env: {} })).notices).toEqual([
      's3dir "s3://b-1/py" does not end with "/": using the folder s3://b-1/py/',
    ]);
    expect((await resolveConfig({ projectDir: dir, env: {}, flags: { s3dir: 's3://b-1/flag/' } })).notices).toEqual([]);
  });

  it('reads a TOML float python-version as text', async () => {
    await pyproject('[tool.lambda-layer]\npython-version = 3.12\n');
    expect((await loadPyprojectConfig(dir)).values['python-version']).toBe('3.12');
  });

  it('refuses python-version = 3.10 written as a TOML number (the float 3.1), saying to quote it', async () => {
    await pyproject('[tool.lambda-layer]\npython-version = 3.10\n');
    const error = await loadPyprojectConfig(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.CONFIG_INVALID_VALUE, hint: 'quote it: python-version = "3.10"' });
    expect((error as Error).message).toContain('is the TOML number 3.1, which cannot tell 3.1 from 3.10');
    await pyproject('[tool.lambda-layer]\npython-version = "3.10"\n');
    expect((await loadPyprojectConfig(dir)).values['python-version']).toBe('3.10');
  });

  it('says where to set a missing required value', async () => {
    const config = await resolveConfig({ projectDir: dir, env: {} });
    expect(() => requireConfigValue(config, 's3dir')).toThrow('missing setting s3dir');
    try {
      requireConfigValue(config, 's3dir');
    } catch (error) {
      expect((error as { oneLine: string }).oneLine).toContain('pass --s3dir, set LAYER_S3DIR, or add s3dir');
    }
  });

  it('reads the lifecycle settings: sharing, retention, dry run', async () => {
    await pyproject(
      '[tool.lambda-layer]\nshare-with-account = ["111122223333", "444455556666", "111122223333"]\nshare-with-org = "o-abcdefghij"\npublic = false\nkeep-versions = 5\ndelete-manifests = true\n',
    );
    const config = await resolveConfig({ projectDir: dir, env: { LAYER_DRY_RUN: '1' } });
    expect(config.values).toMatchObject({
      'share-with-account': ['111122223333', '444455556666'],
      'share-with-org': ['o-abcdefghij'],
      public: false,
      'keep-versions': 5,
      'delete-manifests': true,
      'dry-run': true,
    });
  });

  it.each([
    ['share-with-account', ['12345'], /invalid --share-with-account: invalid AWS account id "12345"; an account id is 12 digits/],
    ['share-with-org', ['org-123'], /invalid --share-with-org: invalid organization id "org-123"; an organization id is "o-"/],
    ['keep-versions', 0, /invalid --keep-versions: keep-versions must be a whole number from 1 to 10000, got 0/],
    ['region', ['eu west 1'], /invalid --region: invalid AWS region "eu west 1"/],
  ] as const)('refuses an invalid --%s before anything runs (a usage error)', async (key, value, message) => {
    const error = await resolveConfig({ projectDir: dir, env: {}, flags: { [key]: value } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.USAGE });
    expect((error as { oneLine: string }).oneLine).toMatch(message);
  });

  it('takes the regions from a repeated --region, LAYER_REGION or pyproject regions, flag first', async () => {
    await pyproject('[tool.lambda-layer]\nregions = ["eu-west-1", "us-east-1"]\ns3dir = "s3://layers-{region}/app"\n');
    const fromFile = await resolveConfig({ projectDir: dir, env: {} });
    expect(configuredRegions(fromFile)).toEqual(['eu-west-1', 'us-east-1']);
    expect(fromFile.values.s3dir).toBe('s3://layers-{region}/app/');
    expect(s3dirForRegion(fromFile.values.s3dir ?? '', 'eu-west-1')).toBe('s3://layers-eu-west-1/app/');
    expect(configuredRegions(await resolveConfig({ projectDir: dir, env: { LAYER_REGION: 'ap-south-1, ap-south-1,us-west-2' } }))).toEqual([
      'ap-south-1',
      'us-west-2',
    ]);
    expect(configuredRegions(await resolveConfig({ projectDir: dir, env: {}, flags: { region: ['sa-east-1'] } }))).toEqual(['sa-east-1']);
    await pyproject('[tool.lambda-layer]\nregion = "eu-west-1"\nregions = ["us-east-1"]\n');
    const both = await resolveConfig({ projectDir: dir, env: {} });
    expect(() => configuredRegions(both)).toThrow(/both region and regions are set in \[tool\.lambda-layer\] of .*pyproject\.toml/);
    // The flag decides over both.
    expect(configuredRegions(await resolveConfig({ projectDir: dir, env: {}, flags: { region: ['us-west-1'] } }))).toEqual(['us-west-1']);
  });

  it('refuses several regions without {region} in the s3dir, or with a layer ARN, and a {region} s3dir that cannot be a bucket', async () => {
    expect(() => checkRegionTargets(['us-east-1', 'eu-west-1'], { s3dir: 's3://one-bucket/app/' })).toThrow(
      '2 regions (us-east-1, eu-west-1) need one bucket each, but the s3dir s3://one-bucket/app/ has no {region}',
    );
    expect(() =>
      checkRegionTargets(['us-east-1', 'eu-west-1'], { s3dir: 's3://b-{region}/', layerName: 'arn:aws:lambda:us-east-1:123456789012:layer:x' }),
    ).toThrow(/is a layer ARN of region us-east-1, but 2 regions are configured/);
    expect(() => checkRegionTargets(['us-east-1'], { s3dir: 's3://one-bucket/app/' })).not.toThrow();
    expect(() =>
      checkRegionTargets(['us-east-1', 'eu-west-1'], { s3dir: 's3://b-{region}/', kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }),
    ).toThrow(/exists in one region/);
    await expect(resolveConfig({ projectDir: dir, env: {}, flags: { s3dir: 's3://Bad_{region}/' } })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
    });
  });
});
