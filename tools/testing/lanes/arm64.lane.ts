/**
 * The arm64 lane (`npm run test:arm64`): layers built on this x86_64 host for
 * arm64 (Graviton) with pip and uv, from pypi.org, imported under
 * qemu-aarch64-static (`QEMU_CPU=neoverse-n1`, Graviton2) by the Python of a
 * Debian arm64 root filesystem (arm64-rootfs.mjs prepares them, outside the repo).
 *
 * Debian has no arm64 python3.12, so bookworm's 3.11 stands in for Lambda's
 * python3.11 (Amazon Linux 2 rules: wheels up to manylinux_2_26), trixie's 3.13
 * and forky's 3.14 for python3.13/3.14 (AL2023). Their glibc is newer than
 * Lambda's: this lane proves architecture and ABI; the symbol-version check
 * of every .so (validate.ts) covers glibc. Every compiled extension listed in
 * a RECORD is imported, not only the top-level modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer } from '@lambda-layer/build';
import { INSTALLERS, type PythonVersion } from '@lambda-layer/core';
import { run, toolCacheEnv } from '@lambda-layer/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { importEveryExtension } from './import-check.js';

const { suites } = JSON.parse(readFileSync(new URL('./arm64-suites.json', import.meta.url), 'utf8')) as {
  suites: Array<{ suite: string; python: PythonVersion }>;
};
const rootfsDir = process.env.LAYER_ARM64_ROOTFS ?? join(homedir(), '.cache', 'lambda-layer-tests', 'arm64');

/** The heavy set: numeric, data, validation, crypto, JSON, XML, PostgreSQL and gRPC native code. */
const HEAVY = ['numpy', 'pandas', 'pydantic-core', 'cryptography', 'orjson', 'lxml', 'psycopg2-binary', 'grpcio', 'charset-normalizer'];
/** One extension module of each that must import (charset-normalizer's md would otherwise fall back to pure Python unnoticed). */
const MUST_IMPORT = [
  'numpy._core._multiarray_umath',
  'pandas._libs.lib',
  'pydantic_core._pydantic_core',
  'cryptography.hazmat.bindings._rust',
  'orjson.orjson',
  'lxml.etree',
  'psycopg2._psycopg',
  'grpc._cython.cygrpc',
  'charset_normalizer.md',
];

const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
delete env.PIP_INDEX_URL;
delete env.UV_DEFAULT_INDEX;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function project(tool: 'pip' | 'uv'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `arm64-${tool}-`));
  dirs.push(dir);
  if (tool === 'pip') {
    // Unpinned on purpose: pip resolves the newest versions that load on each target.
    await writeFile(join(dir, 'requirements.txt'), `${HEAVY.join('\n')}\n`);
    return dir;
  }
  // uv locks for every Python at once, without glibc in mind: for Amazon Linux 2 (python3.11, glibc 2.26)
  // the versions whose wheels need glibc 2.27+ are held back, as the build's refusals say to.
  const al2 = ['numpy<2.3', 'psycopg2-binary<2.9.12'].map((pin) => `${pin}; python_version < "3.12"`);
  const deps = [...HEAVY, ...al2].map((dep) => JSON.stringify(dep)).join(', ');
  await writeFile(
    join(dir, 'pyproject.toml'),
    `[project]\nname = "arm64-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = [${deps}]\n`,
  );
  const lock = await run('uv', ['lock'], { cwd: dir, env });
  if (lock.code !== 0) throw new Error(`uv lock failed:\n${lock.stderr}`);
  return dir;
}

describe.each(suites)("arm64 layers imported by $suite's python$python under qemu (Graviton2)", ({ suite, python }) => {
  const rootfs = join(rootfsDir, suite);

  // Each manifest kind with each installer: requirements.txt resolved by the installer, uv.lock installed exactly.
  it.each((['pip', 'uv'] as const).flatMap((tool) => INSTALLERS.map((installer) => [tool, installer] as const)))(
    '%s manifest, %s installer: every compiled extension of the heavy set imports',
    async (tool, installer) => {
      if (!existsSync(join(rootfs, '.complete')))
        throw new Error(
          `no arm64 root filesystem at ${rootfs}: run \`npm run test:arm64\`, which prepares it (node tools/testing/lanes/arm64-rootfs.mjs)`,
        );
      const dir = await project(tool);
      const result = await buildLayer({ projectDir: dir, tool, installer, pythonVersion: python, architecture: 'arm64', yes: true, env });
      expect(result.packages.map((p) => p.split('==')[0])).toEqual(expect.arrayContaining(HEAVY));
      const report = await importEveryExtension(
        'qemu-aarch64-static',
        ['-L', rootfs, join(rootfs, 'usr', 'bin', `python${python}`)],
        result.pythonDir,
        { ...process.env, QEMU_CPU: 'neoverse-n1' },
      );
      expect(report.failed).toEqual([]);
      expect(report.imported).toEqual(expect.arrayContaining(MUST_IMPORT));
      console.log(
        `${suite} python${python} ${tool} by ${installer}: ${result.packages.length} packages, ${report.imported.length} extension modules imported`,
      );
    },
    900_000,
  );
});
