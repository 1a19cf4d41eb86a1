import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createMemoryLogger, digestTree, localLayout } from '@lambda-layer/core';
import { cannotImportWheels, pythonOf, stampBuild, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { packageLayer } from './index.js';

const temp = useTempDir('package-layer-');

/**
 * A project after `layer build`: pyproject.toml, uv.lock and
 * build/lambda/layer/artifacts/python/ holding `files`, created in the given
 * order, with the build stamp that vouches for them. A test that changes the
 * tree afterwards stamps it again (`stampBuild`), as a new build would.
 */
async function project(files: Array<[string, string]>, where = 'artifacts/python'): Promise<string> {
  const dir = await mkdtemp(join(temp.path, 'project-'));
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\n');
  await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  const base = join(dir, 'build', 'lambda', 'layer', where);
  await mkdir(base, { recursive: true });
  for (const [path, content] of files) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), content);
  }
  if (where === 'artifacts/python') await stampBuild(dir, 'uv');
  return dir;
}

const FILES: Array<[string, string]> = [
  ['six.py', 'x = 1\n'.repeat(200)],
  ['pkg/__init__.py', 'from .core import *\n'],
  ['pkg/core.py', 'def f():\n    return 42\n'.repeat(100)],
  ['pkg/__pycache__/core.cpython-312.pyc', 'bytecode'],
  ['boto3/__init__.py', 'boto'],
  ['pkg-1.0.dist-info/METADATA', 'Name: pkg\n'],
];

function zipNames(zipPath: string): string[] {
  return execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zipPath], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
}

describe('packageLayer', () => {
  it('packages python/ with every entry under python/, leaving out boto3 and bytecode, and reports it', async () => {
    const dir = await project(FILES);
    const logger = createMemoryLogger();
    const result = await packageLayer({ projectDir: dir, logger });
    const zipPath = localLayout(dir).layerZip;
    expect(result).toMatchObject({
      status: 'packaged',
      zipPath,
      files: 4,
      unzippedBytes: (
        await Promise.all(
          ['six.py', 'pkg/__init__.py', 'pkg/core.py', 'pkg-1.0.dist-info/METADATA'].map((p) => stat(join(localLayout(dir).pythonDir, p))),
        )
      ).reduce((s, i) => s + i.size, 0),
    });
    expect(result.zippedBytes).toBe((await stat(zipPath)).size);
    expect(result.sha256.hex).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(result.sha256.base64, 'base64').toString('hex')).toBe(result.sha256.hex);
    expect(result.excluded).toEqual([
      { name: 'bytecode (__pycache__/, *.pyc)', files: 1, bytes: 8 },
      { name: 'boto3', files: 1, bytes: 4 },
    ]);
    const names = zipNames(zipPath);
    expect(names.every((name) => name.startsWith('python/'))).toBe(true);
    expect(names).toEqual([
      'python/',
      'python/pkg-1.0.dist-info/',
      'python/pkg-1.0.dist-info/METADATA',
      'python/pkg/',
      'python/pkg/__init__.py',
      'python/pkg/core.py',
      'python/six.py',
    ]);
    execFileSync('unzip', ['-tq', zipPath]);
    expect(logger.lines).toContain('Step 1.4 - Scan artifacts/python and apply exclusions');
    expect(logger.lines.some((line) => line.includes('excluded boto3: 1 files'))).toBe(true);
    expect(logger.lines.some((line) => line.includes('exclusions saved 12 B'))).toBe(true);
  });

  it('keeps a default-listed package the project pins itself (urllib3), and says so', async () => {
    const dir = await project([
      ['urllib3/__init__.py', 'u'],
      ['urllib3-1.26.20.dist-info/METADATA', 'Name: urllib3\n'],
      ['boto3/__init__.py', 'b'],
    ]);
    await writeFile(join(dir, 'requirements.txt'), 'urllib3==1.26.20\n');
    const logger = createMemoryLogger();
    const result = await packageLayer({ projectDir: dir, logger });
    expect(zipNames(result.zipPath)).toEqual(expect.arrayContaining(['python/urllib3/__init__.py', 'python/urllib3-1.26.20.dist-info/METADATA']));
    expect(result.excluded.map((entry) => entry.name)).toEqual(['boto3']);
    expect(logger.lines.join('\n')).toContain('kept urllib3: the project names it, so the default ignore list does not apply to it');
  });

  it('keeps bytecode and the defaults on request, and applies --ignore globs', async () => {
    const dir = await project(FILES);
    await packageLayer({ projectDir: dir, keepBytecode: true, defaultIgnore: false, ignore: ['*.dist-info'] });
    expect(zipNames(localLayout(dir).layerZip)).toEqual([
      'python/',
      'python/boto3/',
      'python/boto3/__init__.py',
      'python/pkg/',
      'python/pkg/__init__.py',
      'python/pkg/__pycache__/',
      'python/pkg/__pycache__/core.cpython-312.pyc',
      'python/pkg/core.py',
      'python/six.py',
    ]);
  });

  it('is byte-for-byte reproducible: twice, and with other mtimes and another creation order', async () => {
    const first = await project(FILES);
    const a = await packageLayer({ projectDir: first });
    const bytesA = await readFile(a.zipPath);
    const again = await packageLayer({ projectDir: first, force: true });
    expect((await readFile(again.zipPath)).equals(bytesA)).toBe(true);

    const second = await project([...FILES].reverse());
    const python = localLayout(second).pythonDir;
    for (const [path] of FILES) await utimes(join(python, path), new Date('2001-02-03T04:05:06Z'), new Date('2011-02-03T04:05:06Z'));
    // Times are not content: the build stamp still vouches for the tree.
    const b = await packageLayer({ projectDir: second });
    expect((await readFile(b.zipPath)).equals(bytesA)).toBe(true);
    expect(b.sha256).toEqual(a.sha256);
  });

  it('keeps the executable bit and normalises other permissions', async () => {
    const dir = await project([
      ['bin/tool', '#!/bin/sh\n'],
      ['mod.py', ''],
    ]);
    const python = localLayout(dir).pythonDir;
    await chmod(join(python, 'bin/tool'), 0o700);
    await chmod(join(python, 'mod.py'), 0o600);
    await stampBuild(dir, 'uv');
    const result = await packageLayer({ projectDir: dir });
    const modes = execFileSync(
      'python3',
      ['-c', 'import sys, zipfile; [print(i.filename, oct(i.external_attr >> 16)) for i in zipfile.ZipFile(sys.argv[1]).infolist()]', result.zipPath],
      { encoding: 'utf8' },
    );
    expect(modes).toContain('python/bin/tool 0o100755');
    expect(modes).toContain('python/mod.py 0o100644');
  });

  it('returns unchanged when nothing changed, and packages again when the build, an option or the zip changed, or with force', async () => {
    const dir = await project(FILES);
    const first = await packageLayer({ projectDir: dir });
    const logger = createMemoryLogger();
    const second = await packageLayer({ projectDir: dir, logger });
    expect(second).toEqual({ ...first, status: 'unchanged' });
    expect(logger.lines.some((line) => line.startsWith('Step 2.1'))).toBe(false);

    expect((await packageLayer({ projectDir: dir, compressionLevel: 9 })).status).toBe('packaged');
    expect((await packageLayer({ projectDir: dir, compressionLevel: 9 })).status).toBe('unchanged');
    expect((await packageLayer({ projectDir: dir, compressionLevel: 9, force: true })).status).toBe('packaged');

    // A file changed by hand is refused; a new build of it is packaged.
    await writeFile(join(localLayout(dir).pythonDir, 'six.py'), 'x = 2\n');
    await expect(packageLayer({ projectDir: dir, compressionLevel: 9 })).rejects.toMatchObject({ code: 'E_ARTIFACTS_UNVERIFIED' });
    await stampBuild(dir, 'uv');
    const changed = await packageLayer({ projectDir: dir, compressionLevel: 9 });
    expect(changed.status).toBe('packaged');
    expect(changed.sha256.hex).not.toBe(first.sha256.hex);

    await writeFile(changed.zipPath, 'not the zip');
    expect((await packageLayer({ projectDir: dir, compressionLevel: 9 })).status).toBe('packaged');
    await rm(changed.zipPath);
    expect((await packageLayer({ projectDir: dir, compressionLevel: 9 })).status).toBe('packaged');
  });

  it('after a run killed between the zip and its stamp, trusts neither: the old stamp does not vouch for the new zip, the half stamp is removed', async () => {
    const dir = await project(FILES);
    const layout = localLayout(dir);
    const first = await packageLayer({ projectDir: dir });
    const firstStamp = await readFile(layout.packageStamp, 'utf8');
    const firstZip = await readFile(first.zipPath);
    // Killed after the rename of a stored (level 0) zip, before its stamp replaced the first one: the stamp's temp file is half-written.
    await packageLayer({ projectDir: dir, compressionLevel: 0 });
    await writeFile(layout.packageStamp, firstStamp);
    const halfStamp = join(layout.buildDir, '..package-stamp.json.999999999.0badf00d.tmp');
    await writeFile(halfStamp, firstStamp.slice(0, 40));
    expect((await readFile(layout.layerZip)).equals(firstZip)).toBe(false);

    const logger = createMemoryLogger();
    const next = await packageLayer({ projectDir: dir, logger });
    expect(next.status).toBe('packaged');
    expect(next.sha256).toEqual(first.sha256);
    expect(await readFile(layout.packageStamp, 'utf8')).toBe(firstStamp);
    expect((await readFile(layout.layerZip)).equals(firstZip)).toBe(true);
    await expect(stat(halfStamp)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(logger.lines.some((line) => line.includes('removed 1 temporary file(s) left by a killed run'))).toBe(true);
  });

  it('moves a venv site-packages left by Poetry or uv into artifacts/python first', async () => {
    const dir = await project([['six.py', 'x = 1\n']], 'repo/.venv/lib/python3.12/site-packages');
    // The build that left it vouches for the tree it made (a digest does not depend on where the tree is).
    await stampBuild(dir, 'uv', { tree: await digestTree(join(localLayout(dir).repoDir, '.venv/lib/python3.12/site-packages')) });
    const result = await packageLayer({ projectDir: dir, tool: 'uv' });
    expect(result.files).toBe(1);
    expect((await stat(join(localLayout(dir).pythonDir, 'six.py'))).isFile()).toBe(true);
    expect(zipNames(result.zipPath)).toEqual(['python/', 'python/six.py']);
  });

  it('fails in one line when artifacts/python is missing, and on a bad compression level', async () => {
    const dir = await project([]);
    await rm(localLayout(dir).pythonDir, { recursive: true });
    await expect(packageLayer({ projectDir: dir })).rejects.toMatchObject({ code: 'E_ARTIFACTS_NOT_FOUND', hint: 'run `layer build` first' });
    await expect(packageLayer({ projectDir: dir, compressionLevel: 11 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });

  it('fails before writing when the layer is over 262,144,000 bytes unzipped, naming the 10 largest top-level packages', async () => {
    const dir = await project([]);
    const python = localLayout(dir).pythonDir;
    // Sparse files: the real limit, without writing 250 MB.
    for (let i = 0; i < 12; i += 1) {
      await mkdir(join(python, `pkg${i}`));
      execFileSync('truncate', ['-s', String((i + 1) * 4_000_000), join(python, `pkg${i}`, 'blob.bin')]);
    }
    execFileSync('truncate', ['-s', '200000000', join(python, 'huge.so')]);
    await stampBuild(dir, 'uv');
    const error = await packageLayer({ projectDir: dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_LAYER_TOO_LARGE' });
    const message = (error as Error).message;
    expect(message).toContain("over Lambda's limit of 262,144,000 bytes");
    expect(message).toContain('largest top-level packages: huge.so 190.7 MiB, pkg11 45.8 MiB, pkg10 42.0 MiB');
    expect(message).toContain('pkg3 15.3 MiB');
    expect(message).not.toContain('pkg2 ');
    expect((error as { details: { largest: unknown[] } }).details.largest).toHaveLength(10);
    await expect(stat(localLayout(dir).layerZip)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('warns when layer.zip is over the direct-upload limit', async () => {
    const dir = await project(FILES);
    const logger = createMemoryLogger();
    await packageLayer({ projectDir: dir, logger, limits: { zipWarnBytes: 100 } });
    expect(logger.lines.some((line) => line.startsWith('warning: layer.zip is') && line.includes('direct-upload limit'))).toBe(true);
  });

  // The loopback index holds x86_64 wheels for CPython 3.11 and 3.12 (tools/testing/wheels.json): that Python's pip installs them and it imports them.
  const minor = [11, 12].find((candidate) => !cannotImportWheels(candidate));
  const skipped = minor === undefined ? ` (skipped: ${cannotImportWheels(11)})` : '';
  it.skipIf(minor === undefined)(
    `packages a layer pip installed from the package index; it imports with PYTHONPATH set to the extracted python/${skipped}`,
    async () => {
      const host = pythonOf(minor as number) as string;
      const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
      const dir = await project([]);
      const python = localLayout(dir).pythonDir;
      execFileSync(
        host,
        [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          '--only-binary=:all:',
          '--target',
          python,
          '--index-url',
          indexUrl,
          'six',
          'markupsafe',
          'pyyaml',
          'setuptools',
        ],
        {
          stdio: 'pipe',
        },
      );
      await stampBuild(dir, 'uv');
      const result = await packageLayer({ projectDir: dir });
      expect(result.excluded.map((entry) => entry.name)).toEqual(expect.arrayContaining(['setuptools', 'bytecode (__pycache__/, *.pyc)']));
      const names = zipNames(result.zipPath);
      expect(names.some((name) => name.includes('__pycache__') || name.endsWith('.pyc'))).toBe(false);
      expect(
        names.some((name) => /^python\/(setuptools|pkg_resources|_distutils_hack)\//.test(name) || name === 'python/distutils-precedence.pth'),
      ).toBe(false);
      execFileSync('unzip', ['-tq', result.zipPath]);

      const extracted = await mkdtemp(join(temp.path, 'extracted-'));
      execFileSync('unzip', ['-q', result.zipPath, '-d', extracted]);
      const script =
        'import six, markupsafe, yaml; print(six.__file__); print(markupsafe.escape("<b>")); print(yaml.safe_dump({"a": 1}).strip()); print(yaml.__with_libyaml__)';
      const out = execFileSync(host, ['-c', script], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: join(extracted, 'python'), PYTHONNOUSERSITE: '1' },
      });
      const [sixFile, escaped, dumped, libyaml] = out.trim().split('\n');
      expect(sixFile?.startsWith(join(extracted, 'python'))).toBe(true);
      expect(escaped).toBe('&lt;b&gt;');
      expect(dumped).toBe('a: 1');
      expect(libyaml).toBe('True');
    },
  );

  describe('trusts only a finished build', () => {
    it('refuses artifacts/python without a build stamp, and after the lock changed', async () => {
      const dir = await project(FILES);
      await rm(localLayout(dir).buildStamp);
      await expect(packageLayer({ projectDir: dir })).rejects.toMatchObject({
        code: 'E_ARTIFACTS_UNVERIFIED',
        oneLine:
          'artifacts/python/ has no build stamp: the build did not finish, or the files were not put there by `layer build`; run `layer build`',
      });
      await stampBuild(dir, 'uv');
      await writeFile(join(dir, 'uv.lock'), 'version = 1\n# relocked\n');
      await expect(packageLayer({ projectDir: dir })).rejects.toMatchObject({
        oneLine: 'uv.lock changed since artifacts/python/ was built; run `layer build`',
      });
      await expect(stat(localLayout(dir).layerZip)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('refuses a FIFO and a file name that is not UTF-8 by name', async () => {
      const dir = await project(FILES);
      const python = localLayout(dir).pythonDir;
      execFileSync('mkfifo', [join(python, 'pkg', 'events')]);
      await expect(packageLayer({ projectDir: dir })).rejects.toMatchObject({
        code: 'E_SPECIAL_FILE',
        message: 'artifacts/python/pkg/events is a FIFO (named pipe): a layer holds only files, folders and links',
      });
      await rm(join(python, 'pkg', 'events'));
      await writeFile(Buffer.concat([Buffer.from(`${python}/na`), Buffer.from([0xef, 0xbb]), Buffer.from('ve.py')]), 'x');
      await expect(packageLayer({ projectDir: dir })).rejects.toMatchObject({
        code: 'E_FILE_NAME_NOT_UTF8',
        message: 'the file name "na\\xef\\xbbve.py" in artifacts/python is not UTF-8',
      });
    });

    it('stops when its signal fires, leaving layer.zip, its stamp and no temporary file', async () => {
      const dir = await project(FILES);
      const layout = localLayout(dir);
      const first = await packageLayer({ projectDir: dir });
      const stamp = await readFile(layout.packageStamp, 'utf8');
      const controller = new AbortController();
      controller.abort();
      await expect(packageLayer({ projectDir: dir, force: true, signal: controller.signal })).rejects.toMatchObject({
        code: 'E_INTERRUPTED',
        oneLine: 'interrupted: layer.zip was not changed; run `layer package` again',
      });
      expect((await readFile(layout.layerZip)).equals(await readFile(first.zipPath))).toBe(true);
      expect(await readFile(layout.packageStamp, 'utf8')).toBe(stamp);
      expect((await readdir(layout.buildDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });
  });
});
