import { useTempDir, writeTree } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { BYTECODE_RULE, DEFAULT_IGNORED_PACKAGES, loadExclusionRules } from './exclusions.js';
import { explicitlyNamedPackages, requirementName, requirementsTxtNames } from './explicit-pins.js';

const temp = useTempDir('exclusions-');

const tree = (files: Record<string, string>) => writeTree(temp.path, files, 'python-');

const defaults = { ignore: [], defaultIgnore: true, keepBytecode: false };

describe('loadExclusionRules', () => {
  it.each(DEFAULT_IGNORED_PACKAGES)('leaves out %s: its folder, dist-info, data folder, top-level modules and .pth files', async (name) => {
    const rules = await loadExclusionRules(await tree({}), defaults);
    expect(rules.match(name, true)).toBe(name);
    expect(rules.match(`${name}/__init__.py`, false)).toBe(name);
    expect(rules.match(`${name}-1.2.3.dist-info`, true)).toBe(name);
    expect(rules.match(`${name.replace(/^_/, '')}-1.2.3.dist-info`, true)).toBe(name.replace(/^_/, ''));
    expect(rules.match(`${name}-1.2.3.data`, true)).toBe(name);
    expect(rules.match(`${name}.py`, false)).toBe(name);
    expect(rules.match(`${name}.cpython-312-x86_64-linux-gnu.so`, false)).toBe(name);
    expect(rules.match(`${name}.pth`, false)).toBe(name);
    // Only that name: a package that merely starts with it stays.
    expect(rules.match(`${name}x`, true)).toBeUndefined();
    expect(rules.match(`${name}_extra.py`, false)).toBeUndefined();
  });

  it('matches dist names case- and separator-insensitively, and follows top_level.txt and RECORD', async () => {
    const dir = await tree({
      'setuptools-75.8.0.dist-info/top_level.txt': '_distutils_hack\npkg_resources\nsetuptools\n',
      'setuptools-75.8.0.dist-info/RECORD': 'distutils-precedence.pth,sha256=x,151\n_distutils_hack/__init__.py,sha256=y,1\n../../bin/x,,\n',
    });
    const rules = await loadExclusionRules(dir, defaults);
    expect(rules.match('pkg_resources', true)).toBe('setuptools');
    expect(rules.match('_distutils_hack', true)).toBe('setuptools');
    expect(rules.match('distutils-precedence.pth', false)).toBe('setuptools');
    expect(rules.match('Boto3-1.0.dist-info', true)).toBe('boto3');
    expect(rules.match('requests', true)).toBeUndefined();
  });

  it('keeps a default-listed package the project names itself (urllib3 pinned on purpose), and _pytest with pytest', async () => {
    const rules = await loadExclusionRules(await tree({}), { ...defaults, keep: new Set(['urllib3', 'pytest']) });
    expect(rules.match('urllib3', true)).toBeUndefined();
    expect(rules.match('urllib3-2.3.0.dist-info', true)).toBeUndefined();
    expect(rules.match('_pytest', true)).toBeUndefined();
    expect(rules.match('boto3', true)).toBe('boto3');
  });

  it('finds the packages a project names: requirements.txt, [project].dependencies, Poetry dependencies', async () => {
    const dir = await tree({
      'requirements.txt': '# pinned\nurllib3==1.26.20 \\\n  --hash=sha256:abc\n-r other.txt\nRequests[socks]==2.32.3 ; python_version >= "3.9"\n',
      'pyproject.toml':
        '[project]\nname = "app"\ndependencies = ["Boto3>=1.35", "six"]\n[tool.poetry.dependencies]\npython = "^3.12"\nPyTest = "8.0"\n[dependency-groups]\ndev = ["pip"]\n',
    });
    expect([...(await explicitlyNamedPackages(dir))].sort()).toEqual(['boto3', 'pytest', 'requests', 'six', 'urllib3']);
    expect(requirementName('  --index-url https://x')).toBeUndefined();
  });

  it('does not count what a compiled requirements.txt says came along as a dependency (`# via`)', () => {
    const compiled = [
      'boto3==1.35.0',
      '    # via -r requirements.in',
      'botocore==1.35.0',
      '    # via',
      '    #   boto3',
      '    #   s3transfer',
      'urllib3==2.3.0  # via requests',
      'requests==2.32.3 \\',
      '    --hash=sha256:abc',
      '    # via -r requirements.in',
      'six==1.17.0',
    ].join('\n');
    expect(requirementsTxtNames(compiled)).toEqual(['boto3', 'requests', 'six']);
  });

  it('keeps the defaults with defaultIgnore false', async () => {
    const rules = await loadExclusionRules(await tree({}), { ...defaults, defaultIgnore: false });
    expect(rules.match('boto3', true)).toBeUndefined();
    expect(rules.match('pip-24.0.dist-info', true)).toBeUndefined();
  });

  it('applies --ignore globs: a name at any depth, a path relative to python/, or one starting with python/', async () => {
    const rules = await loadExclusionRules(await tree({}), { ...defaults, ignore: ['tests', '*/docs/*', 'python/numpy/*.txt', '*.md'] });
    expect(rules.match('pandas/tests', true)).toBe('tests');
    expect(rules.match('pandas/core/tests', true)).toBe('tests');
    expect(rules.match('six/docs/index.rst', false)).toBe('*/docs/*');
    expect(rules.match('numpy/LICENSE.txt', false)).toBe('python/numpy/*.txt');
    expect(rules.match('numpy/core/LICENSE.txt', false)).toBeUndefined();
    expect(rules.match('deep/a/README.md', false)).toBe('*.md');
    expect(rules.match('pandas/core/frame.py', false)).toBeUndefined();
  });

  it('drops bytecode unless keepBytecode', async () => {
    const rules = await loadExclusionRules(await tree({}), defaults);
    expect(rules.match('__pycache__', true)).toBe(BYTECODE_RULE);
    expect(rules.match('six/__pycache__', true)).toBe(BYTECODE_RULE);
    expect(rules.match('six/old.pyc', false)).toBe(BYTECODE_RULE);
    expect(rules.match('six/__init__.py', false)).toBeUndefined();
    const keep = await loadExclusionRules(await tree({}), { ...defaults, keepBytecode: true });
    expect(keep.match('six/__pycache__', true)).toBeUndefined();
    expect(keep.match('six/old.pyc', false)).toBeUndefined();
  });
});
