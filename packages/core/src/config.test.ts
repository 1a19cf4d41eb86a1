import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configEnvName, loadPyprojectConfig, requireConfigValue, resolveConfig } from './config.js';
import { ErrorCodes } from './errors.js';

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
    await pyproject(`[project]\nname = "app"\n\n[tool.lambda-layer]\nlayer-name = "my-deps"\ns3dir = "s3://b-1/app/"\ntool = "uv"\npython-version = "3.12"\nignore = ["*/tests/*"]\nkeep-bytecode = true\ncompression-level = 6\n`);
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
    const error = await loadPyprojectConfig(dir).catch((e) => e);
    expect(error.code).toBe(ErrorCodes.PYPROJECT_INVALID_TOML);
    expect(error.oneLine).toMatch(new RegExp(`^${join(dir, 'pyproject.toml')} is not valid TOML at line 2`));
    expect(error.oneLine).not.toContain('\n');
  });

  it('rejects an unknown key, naming the key and the file', async () => {
    await pyproject('[tool.lambda-layer]\nlayer_name = "typo"\n');
    const error = await loadPyprojectConfig(dir).catch((e) => e);
    expect(error.code).toBe(ErrorCodes.CONFIG_UNKNOWN_KEY);
    expect(error.message).toBe(`unknown key "layer_name" in [tool.lambda-layer] of ${join(dir, 'pyproject.toml')}`);
    expect(error.details).toEqual({ key: 'layer_name', file: join(dir, 'pyproject.toml') });
  });

  it('rejects a value of the wrong type', async () => {
    await pyproject('[tool.lambda-layer]\nkeep-bytecode = "maybe"\n');
    await expect(loadPyprojectConfig(dir)).rejects.toMatchObject({ code: ErrorCodes.CONFIG_INVALID_VALUE });
    await expect(resolveConfig({ projectDir: dir, env: { LAYER_COMPRESSION_LEVEL: 'max' } })).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID_VALUE,
    });
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
    expect(() => requireConfigValue(config, 's3dir')).toThrow(
      'missing setting s3dir',
    );
    try {
      requireConfigValue(config, 's3dir');
    } catch (error) {
      expect((error as { oneLine: string }).oneLine).toContain('pass --s3dir, set LAYER_S3DIR, or add s3dir');
    }
  });
});
