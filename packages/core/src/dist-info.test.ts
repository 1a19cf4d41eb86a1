import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { listInstalled, metadataHeader, parseDistFolderName, recordPaths } from './dist-info.js';
import { normalizePackageName } from './manifest-packages.js';

const temp = useTempDir('dist-info-', { each: true });

describe('the dist-info reader', () => {
  it('names the distribution of a .dist-info or .data folder', () => {
    expect(parseDistFolderName('MarkupSafe-3.0.2.dist-info')).toEqual({ name: 'MarkupSafe', version: '3.0.2', kind: 'dist-info' });
    expect(parseDistFolderName('foo-1.0.data')).toEqual({ name: 'foo', version: '1.0', kind: 'data' });
    expect(parseDistFolderName('markupsafe')).toBeUndefined();
  });

  it('reads RECORD paths (quoted, backslashed) and METADATA headers only', () => {
    expect(recordPaths('a/b.py,sha256=x,1\r\n"c,d.py",,\nwin\\e.py,,\n\n')).toEqual(['a/b.py', 'c,d.py', 'win/e.py']);
    expect(metadataHeader('Name: six\nVersion: 1.17.0\n\nName: not-this', 'Name')).toBe('six');
    expect(metadataHeader('Name: six\n\nRequires-Python: >=3.99', 'Requires-Python')).toBeUndefined();
  });

  it('lists what a --target folder holds, by normalised name', async () => {
    const dist = join(temp.path, 'PyYAML-6.0.2.dist-info');
    await mkdir(dist, { recursive: true });
    await writeFile(join(dist, 'METADATA'), 'Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.2\nRequires-Python: >=3.8\n\nlong text\n');
    await writeFile(join(dist, 'RECORD'), 'yaml/__init__.py,sha256=x,10\nPyYAML-6.0.2.dist-info/RECORD,,\n');
    await writeFile(join(dist, 'top_level.txt'), '_yaml\nyaml\n');
    await mkdir(join(temp.path, 'six-1.17.0.dist-info'));
    expect(await listInstalled(temp.path)).toEqual([
      {
        name: 'pyyaml',
        version: '6.0.2',
        distInfo: 'PyYAML-6.0.2.dist-info',
        files: ['yaml/__init__.py', 'PyYAML-6.0.2.dist-info/RECORD'],
        requiresPython: '>=3.8',
        topLevel: ['_yaml', 'yaml'],
      },
      { name: 'six', version: '1.17.0', distInfo: 'six-1.17.0.dist-info', files: [], requiresPython: undefined, topLevel: [] },
    ]);
  });

  it('normalises names once, the PEP 503 way', () => {
    expect(['PyYAML', 'py_yaml', 'Py.Yaml', 'py--yaml'].map(normalizePackageName)).toEqual(['pyyaml', 'py-yaml', 'py-yaml', 'py-yaml']);
    // `_pytest` (pytest's module) stays apart from `pytest`.
    expect(normalizePackageName('_pytest')).not.toBe(normalizePackageName('pytest'));
  });
});
