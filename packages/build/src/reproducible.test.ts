import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordPath } from '@lambda-layer/core';
import { run, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { walkFiles } from './installed.js';
import { ensurePinnedPip, ensurePinnedUv } from './installers.js';
import { pipTargetArgs, targetPlatform, uvTargetArgs } from './platform.js';
import { normalizeInstalledTree, rewriteRecord } from './reproducible.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const temp = useTempDir('reproducible-');
const target = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });
// charset-normalizer brings a console script (bin/normalizer), six is a single module.
const REQUIREMENTS = 'charset-normalizer==3.4.1\nsix==1.17.0\nidna==3.10\n';

async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of await walkFiles(root)) out.set(file.path, (await readFile(join(root, file.path))).toString('base64'));
  return out;
}

describe('normalizeInstalledTree', () => {
  it('makes what the pinned pip and the pinned uv install the same bytes: no launchers, no installer stamps, no machine paths', async () => {
    const requirements = join(temp.path, 'requirements.txt');
    await writeFile(requirements, REQUIREMENTS);
    const env = { ...process.env, PIP_INDEX_URL: indexUrl, UV_DEFAULT_INDEX: indexUrl };
    const pip = await ensurePinnedPip({ env, credentials: { indexUrl } });
    const uv = await ensurePinnedUv({ env, credentials: { indexUrl } });
    const byPip = join(temp.path, 'pip');
    const byUv = join(temp.path, 'uv');
    const pipRun = await run(
      pip.command,
      [
        ...pip.prefix,
        'install',
        '--no-compile',
        '--no-deps',
        '--root-user-action',
        'ignore',
        '--target',
        byPip,
        ...pipTargetArgs(target),
        '-r',
        requirements,
      ],
      { env },
    );
    expect(pipRun.code, pipRun.stderr).toBe(0);
    const uvRun = await run(
      uv.command,
      ['pip', 'install', '--target', byUv, ...uvTargetArgs(target), '--no-deps', '--link-mode', 'copy', '-r', requirements],
      { env },
    );
    expect(uvRun.code, uvRun.stderr).toBe(0);

    // As installed: launchers with this machine's Python in their shebang, and installer noise.
    for (const dir of [byPip, byUv]) expect((await readFile(join(dir, 'bin', 'normalizer'), 'utf8')).startsWith('#!/')).toBe(true);
    expect((await snapshot(byUv)).has('.lock')).toBe(true);
    expect(await readFile(join(byPip, 'six-1.17.0.dist-info', 'INSTALLER'), 'utf8')).toBe('pip\n');

    const report = await normalizeInstalledTree(byPip);
    await normalizeInstalledTree(byUv);
    expect(report.removed).toEqual(expect.arrayContaining(['bin/normalizer', 'six-1.17.0.dist-info/INSTALLER', 'six-1.17.0.dist-info/REQUESTED']));
    expect(report.records).toBe(3);
    const [a, b] = [await snapshot(byPip), await snapshot(byUv)];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a).toEqual(b);
    for (const [path, content] of a) {
      expect(path.startsWith('bin/')).toBe(false);
      expect(Buffer.from(content, 'base64').toString('latin1')).not.toContain(temp.path);
    }
    // Every RECORD names exactly the files present.
    const record = await readFile(join(byPip, 'charset_normalizer-3.4.1.dist-info', 'RECORD'), 'utf8');
    const listed = record.trim().split('\n').map(recordPath);
    expect(listed.filter((path) => !a.has(path))).toEqual([]);
    expect([...a.keys()].filter((path) => path.startsWith('charset_normalizer')).every((path) => listed.includes(path))).toBe(true);
  }, 60_000);

  it('rewrites RECORD: dropped and outside paths gone, quoted paths understood, sorted, itself last', () => {
    const text = [
      'b.py,sha256=x,1',
      '"a,odd.py",sha256=y,2',
      '../../bin/tool,sha256=z,3',
      'd-1.dist-info/INSTALLER,sha256=w,4',
      'd-1.dist-info/RECORD,,',
      '/abs/path,,',
      '',
    ].join('\r\n');
    expect(rewriteRecord(text, 'd-1.dist-info', new Set(['d-1.dist-info/INSTALLER']))).toBe(
      '"a,odd.py",sha256=y,2\nb.py,sha256=x,1\nd-1.dist-info/RECORD,,\n',
    );
    expect(recordPath('"say ""hi"".py",,')).toBe('say "hi".py');
  });

  it('leaves a tree without installer noise as it is', async () => {
    const root = join(temp.path, 'clean');
    await mkdir(join(root, 'pkg-1.0.dist-info'), { recursive: true });
    await writeFile(join(root, 'pkg-1.0.dist-info', 'RECORD'), 'pkg-1.0.dist-info/METADATA,sha256=a,1\npkg-1.0.dist-info/RECORD,,\n');
    await writeFile(join(root, 'pkg-1.0.dist-info', 'METADATA'), 'Name: pkg\n');
    expect(await normalizeInstalledTree(root)).toEqual({ removed: [], records: 1 });
  });
});
