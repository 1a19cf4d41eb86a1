/**
 * The same lock gives the same layer.zip bytes from any folder, machine and
 * host Python: `layer build` + `layer package` (the real bin) in two project
 * folders, once with the host's Python 3.11 and once with pyenv's 3.12 (running
 * the pinned pip, or the one uv lays the folder out for), and with a uv.lock.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type BuildResult, localLayout } from '@lambda-layer/core';
import {
  createFixtureProject,
  layerCacheDir,
  parseJsonOutput,
  pathWithPython,
  pyenvPython,
  runLayer,
  toolCacheEnv,
  toolsBin,
} from '@lambda-layer/testing';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** pyenv's Python 3.12 (the machine's second Python), if there is one. */
const python312 = pyenvPython(12);

async function buildAndPackage(
  dir: string,
  tool: 'pip' | 'uv',
  installer: 'pip' | 'uv',
  env: NodeJS.ProcessEnv,
): Promise<{ zip: Buffer; build: BuildResult; stderr: string }> {
  const build = await runLayer(
    [
      'build',
      '--project-dir',
      dir,
      '--tool',
      tool,
      '--installer',
      installer,
      '--python-version',
      '3.12',
      '--architecture',
      'x86_64',
      '--index-url',
      indexUrl,
      '--yes',
      '--json',
    ],
    { env },
  );
  expect(build.code, build.stderr).toBe(0);
  const pack = await runLayer(['package', '--project-dir', dir, '--tool', tool, '--json'], { env });
  expect(pack.code, pack.stderr).toBe(0);
  return { zip: await readFile(localLayout(dir).layerZip), build: parseJsonOutput<BuildResult>(build), stderr: build.stderr };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('byte-identical layer.zip for the same lock', () => {
  it.skipIf(!python312).each(['pip', 'uv'] as const)(
    'requirements.txt, %s installer: two folders, host Python 3.11 and 3.12: the same bytes, no bin/, no installer noise, no absolute path',
    async (installer) => {
      const a = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
      const b = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
      dirs.push(a, b);
      const first = await buildAndPackage(a, 'pip', installer, { ...process.env, ...toolCacheEnv });
      const host312 = await pathWithPython(python312 as string);
      dirs.push(host312.dir);
      const second = await buildAndPackage(b, 'pip', installer, { ...process.env, ...toolCacheEnv, PATH: host312.path });
      if (installer === 'pip') {
        expect(first.stderr).toMatch(/installs with the pinned pip 25\.3 \(run by Python 3\.11\./);
        expect(second.stderr).toMatch(/installs with the pinned pip 25\.3 \(run by Python 3\.12\./);
        expect(first.build).toMatchObject({ installer: 'pip', installerVersion: '25.3', toolVersion: '25.3' });
      } else {
        // uv lays the folder out for whichever Python program comes first on PATH: here 3.11, then 3.12.
        expect(second.stderr).toContain(`installs with the pinned uv 0.13.9 (laying the folder out for ${join(host312.dir, 'python3')})`);
        expect(first.build).toMatchObject({ installer: 'uv', installerVersion: '0.13.9', toolVersion: '0.13.9' });
      }
      expect(sha256(second.zip)).toBe(sha256(first.zip));

      const entries = unzipSync(new Uint8Array(first.zip));
      const names = Object.keys(entries);
      expect(names.some((name) => name.startsWith('python/charset_normalizer/'))).toBe(true);
      expect(names.filter((name) => /^python\/bin\/|\/(INSTALLER|REQUESTED|direct_url\.json)$|^python\/\.lock$/.test(name))).toEqual([]);
      for (const [name, bytes] of Object.entries(entries)) {
        const text = Buffer.from(bytes).toString('latin1');
        // Paths of this build: the project folders, the host Pythons, the tool cache (wheels may hold their builders' own paths).
        for (const machinePath of [a, b, join(homedir(), '.pyenv'), layerCacheDir, toolsBin])
          expect(text.includes(machinePath), `${name} contains ${machinePath}`).toBe(false);
      }
    },
    180_000,
  );

  it('uv: two folders give the same bytes', async () => {
    const a = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    const b = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    dirs.push(a, b);
    const env = { ...process.env, ...toolCacheEnv };
    const [first, second] = [await buildAndPackage(a, 'uv', 'uv', env), await buildAndPackage(b, 'uv', 'uv', env)];
    expect(first.build).toMatchObject({ installer: 'uv', installerVersion: '0.13.9' });
    expect(sha256(second.zip)).toBe(sha256(first.zip));
  }, 180_000);

  it('`layer package --help` lists what the default ignore list leaves out; `layer build --help` says bin/ is left out', async () => {
    const pack = await runLayer(['package', '--help']);
    expect(pack.stdout.replace(/\s+/g, ' ')).toContain('boto3, botocore, s3transfer, urllib3, setuptools, pip, wheel, twine, _pytest, pytest');
    const build = await runLayer(['build', '--help']);
    expect(build.stdout.replace(/\s+/g, ' ')).toContain('console-script launchers (bin/) are left out, Lambda never runs them');
  });
});
