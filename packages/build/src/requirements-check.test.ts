import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes } from '@lambda-layer/core';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { targetPlatform } from './platform.js';
import { parseRequirements } from './requirements.js';
import { checkProjectRequiresPython, looseRequirements, poetryConstraintToSpecifiers, projectRequiresPython } from './requirements-check.js';
import { nativeEvidence } from './sdist.js';

const temp = useTempDir('requirements-check-', { each: true });

describe('the project against the target', () => {
  it("reads Poetry's python constraint as PEP 440", () => {
    expect(poetryConstraintToSpecifiers('^3.11')).toEqual(['>=3.11,<4.0']);
    expect(poetryConstraintToSpecifiers('~3.12')).toEqual(['>=3.12,<3.13']);
    expect(poetryConstraintToSpecifiers('>=3.9 <3.13')).toEqual(['>=3.9,<3.13']);
    expect(poetryConstraintToSpecifiers('~3.9 || ^3.12')).toEqual(['>=3.9,<3.10', '>=3.12,<4.0']);
    expect(poetryConstraintToSpecifiers('3.11.*')).toEqual(['==3.11.*']);
  });

  it('refuses a target outside requires-python, naming the Pythons the project allows', async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\nname = "a"\nrequires-python = ">=3.12,<3.13"\n');
    const error = await checkProjectRequiresPython(temp.path, targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: ErrorCodes.PYTHON_VERSION_EXCLUDED,
      message: 'the project requires-python >=3.12,<3.13 excludes python3.11',
      hint: expect.stringContaining('--python-version 3.12'),
    });
    await expect(checkProjectRequiresPython(temp.path, targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' }))).resolves.toBeUndefined();
  });

  it("falls back to Poetry's python dependency, and accepts a project that says nothing", async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[tool.poetry.dependencies]\npython = "^3.12"\n');
    expect(await projectRequiresPython(temp.path)).toEqual({ text: '^3.12', specifiers: ['>=3.12,<4.0'] });
    await expect(checkProjectRequiresPython(temp.path, targetPlatform({ pythonVersion: '3.10', architecture: 'x86_64' }))).rejects.toMatchObject({
      message: 'the project requires-python ^3.12 excludes python3.10',
    });
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\nname = "a"\n');
    await expect(checkProjectRequiresPython(temp.path, targetPlatform({ pythonVersion: '3.10', architecture: 'x86_64' }))).resolves.toBeUndefined();
  });

  it('names requirements that are not pinned to one version', () => {
    const entries = parseRequirements(
      'six==1.17.0\nnumpy\nrequests>=2,<3\nidna==3.*\nlocal @ file:///w/local.whl\nattrs===25.1.0 --hash=sha256:x\n-i https://x/simple\n',
    );
    expect(looseRequirements(entries)).toEqual(['numpy', 'requests>=2,<3', 'idna==3.*']);
  });
});

describe('nativeEvidence', () => {
  it('finds compiled code in an sdist by its files and build scripts', () => {
    const files = (entries: Record<string, string | undefined>) => new Map(Object.entries(entries));
    expect(nativeEvidence(files({ 'p-1/p/__init__.py': undefined, 'p-1/setup.py': 'setup(packages=["p"])' }))).toBeUndefined();
    expect(nativeEvidence(files({ 'p-1/src/speed.c': undefined }))).toBe('src/speed.c');
    expect(nativeEvidence(files({ 'p-1/Cargo.toml': undefined }))).toBe('Cargo.toml');
    expect(nativeEvidence(files({ 'p-1/pyproject.toml': '[build-system]\nbuild-backend = "maturin"\n' }))).toBe(
      'pyproject.toml (build-backend = "maturin")',
    );
    expect(nativeEvidence(files({ 'p-1/setup.py': 'setup(ext_modules=[Extension("p", ["p.pyx"])])' }))).toBe('setup.py (ext_modules)');
  });
});
