/**
 * `layer package` against `zip -r -9` (what the Python original runs) and
 * `zip -r -6`, on the same python/ tree, in one run, as ratios.
 *
 * Fixture (built once into .cache/bench/package/, git-ignored): numpy, pandas,
 * pydantic, requests, pyyaml, orjson and jinja2 installed by pip from PyPI for
 * Lambda Python 3.12 x86_64, as pip leaves them (its .pyc files included) —
 * over 150 MB and 5,000 files. To compare like with like, the timed
 * packageLayer run keeps every file zip sees (--keep-bytecode,
 * --no-default-ignore); a run with the default filters is reported apart.
 *
 * Targets: >= 5x faster than zip -9 with output <= 1.5% larger; >= 1.5x faster
 * than zip -6. Also the peak RSS of a `layer package --force` process.
 *
 * Run: npx tsx packages/package/bench/package.bench.ts  (or `npm run bench -- package`)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, localLayout } from '@lambda-layer/core';
import { layerBin, repoRoot, stampBuild } from '@lambda-layer/testing';
import { packageLayer } from '../src/index.js';

const PACKAGES = ['numpy', 'pandas', 'pydantic', 'requests', 'pyyaml', 'orjson', 'jinja2'];
const FIXTURE = join(repoRoot, '.cache', 'bench', 'package', 'py312-x86_64-numpy-pandas-pydantic');
const RUNS = 3;
const TARGETS = { vsZip9Speed: 5, vsZip9Size: 1.015, vsZip6Speed: 1.5 };

function sh(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

async function treeStats(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/** Installs the fixture once; a half-built one (no marker) is rebuilt. */
async function ensureFixture(): Promise<string> {
  const python = join(FIXTURE, 'python');
  if (existsSync(join(FIXTURE, '.complete'))) return python;
  console.log(`building the fixture in ${FIXTURE} (pip install from PyPI, once)…`);
  await rm(FIXTURE, { recursive: true, force: true });
  const staging = `${FIXTURE}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  sh('python3', [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--target',
    join(staging, 'python'),
    '--platform',
    'manylinux2014_x86_64',
    '--only-binary=:all:',
    '--python-version',
    '3.12',
    ...PACKAGES,
  ]);
  await rename(staging, FIXTURE);
  await writeFile(join(FIXTURE, '.complete'), `${PACKAGES.join(' ')}\n`);
  return python;
}

async function time(fn: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(2)}%`;

const python = await ensureFixture();
const tree = await treeStats(python);
console.log(`fixture: ${PACKAGES.join(', ')} for Python 3.12 x86_64: ${tree.files} files, ${formatBytes(tree.bytes)} (${tree.bytes} bytes)`);
console.log(`machine: ${availableParallelism()} cores, Node ${process.version}, zlib ${process.versions.zlib}`);

const work = await mkdtemp(join(tmpdir(), 'package-bench-'));
try {
  // A project whose artifacts/python is the fixture (linked, not copied).
  const layout = localLayout(work);
  await writeFile(join(work, 'pyproject.toml'), '[project]\nname = "bench"\n');
  await mkdir(layout.artifactsDir, { recursive: true });
  await symlink(python, layout.pythonDir);
  // What `layer build` records last; every packageLayer run below checks the tree against it (content digest).
  await writeFile(join(work, 'requirements.txt'), `${PACKAGES.join('\n')}\n`);
  await stampBuild(work, 'pip');
  // Cold runs: no reuse of an earlier run's compressed bytes (timed apart below).
  const sameFiles = { projectDir: work, tool: 'pip' as const, keepBytecode: true, defaultIgnore: false, force: true, cache: false };

  // Warm the page cache, so every contender reads from memory.
  await packageLayer(sameFiles);

  const ours: number[] = [];
  let oursResult = await packageLayer(sameFiles);
  for (let i = 0; i < RUNS; i += 1) ours.push(await time(async () => (oursResult = await packageLayer(sameFiles))));
  if (oursResult.files !== tree.files) throw new Error(`layer package zipped ${oursResult.files} files, the tree has ${tree.files}`);

  const zipRun = (level: number) => {
    const out = join(work, `zip${level}.zip`);
    const seconds: number[] = [];
    return {
      out,
      seconds,
      async once() {
        await rm(out, { force: true });
        seconds.push(await time(() => sh('zip', ['-r', `-${level}`, '-q', out, 'python'], layout.artifactsDir)));
      },
    };
  };
  const zip9 = zipRun(9);
  const zip6 = zipRun(6);
  // zip -9 takes long: once; zip -6 as often as ours.
  await zip9.once();
  for (let i = 0; i < RUNS; i += 1) await zip6.once();
  const zip9Bytes = (await stat(zip9.out)).size;
  const zip6Bytes = (await stat(zip6.out)).size;

  const defaults = { projectDir: work, tool: 'pip' as const, force: true, cache: false };
  let filtered = await packageLayer(defaults);
  const filteredSeconds = await time(async () => (filtered = await packageLayer(defaults)));

  // Re-package with the compressed-bytes cache (the stretch goal): one run fills it, the next reuses it.
  const cached = { ...sameFiles, cache: true };
  await rm(join(layout.buildDir, '.package-cache'), { recursive: true, force: true });
  const fillSeconds = await time(() => packageLayer(cached));
  let warm = await packageLayer(cached);
  const warmSeconds = await time(async () => (warm = await packageLayer(cached)));
  if (warm.sha256.hex !== oursResult.sha256.hex) throw new Error('the cached re-package gave different bytes');
  await rm(join(layout.buildDir, '.package-cache'), { recursive: true, force: true });

  // Peak RSS of a real `layer package --force` process (the built bin) on a tree near
  // Lambda's limit: the fixture plus a second pandas, hard-linked (no copy), ~235 MB.
  let rssLine = 'peak RSS: skipped (/usr/bin/time or the built bin packages/cli/bin/layer.js missing; run npx tsc -b)';
  if (existsSync('/usr/bin/time') && existsSync(layerBin)) {
    const big = await mkdtemp(join(FIXTURE, '..', 'rss-'));
    try {
      const bigLayout = localLayout(big);
      await writeFile(join(big, 'pyproject.toml'), '[project]\nname = "bench"\n');
      await mkdir(bigLayout.artifactsDir, { recursive: true });
      sh('cp', ['-al', python, bigLayout.pythonDir]);
      sh('cp', ['-al', join(python, 'pandas'), join(bigLayout.pythonDir, 'pandas_copy')]);
      await writeFile(join(big, 'requirements.txt'), `${PACKAGES.join('\n')}\n`);
      await stampBuild(big, 'pip');
      const rss = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          'MAXRSS_KB=%M',
          process.execPath,
          layerBin,
          'package',
          '--project-dir',
          big,
          '--force',
          '--keep-bytecode',
          '--no-default-ignore',
          '--json',
        ],
        {
          encoding: 'utf8',
        },
      );
      const kb = Number(/MAXRSS_KB=(\d+)/.exec(rss.stderr)?.[1]);
      const unzipped = rss.status === 0 ? (JSON.parse(rss.stdout) as { unzippedBytes: number }).unzippedBytes : 0;
      rssLine =
        rss.status === 0 && kb
          ? `peak RSS of \`layer package --force\` (whole process) on a ${formatBytes(unzipped)} tree: ${(kb / 1024).toFixed(0)} MB (target <= 300 MB for 250 MB)`
          : `peak RSS: failed: ${rss.stderr.slice(-300)}`;
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  }

  const oursS = median(ours);
  const zip9S = median(zip9.seconds);
  const zip6S = median(zip6.seconds);
  const speed9 = zip9S / oursS;
  const speed6 = zip6S / oursS;
  const size9 = oursResult.zippedBytes / zip9Bytes;
  const ok = (pass: boolean) => (pass ? 'PASS' : 'MISS');
  console.log('');
  console.log(
    `layer package (level 6, same files):  ${oursS.toFixed(2)}s (median of ${RUNS}: ${ours.map((s) => s.toFixed(2)).join(', ')})  ${oursResult.zippedBytes} bytes`,
  );
  console.log(`zip -r -9 -q:                         ${zip9S.toFixed(2)}s                              ${zip9Bytes} bytes`);
  console.log(
    `zip -r -6 -q:                         ${zip6S.toFixed(2)}s (median of ${RUNS}: ${zip6.seconds.map((s) => s.toFixed(2)).join(', ')})  ${zip6Bytes} bytes`,
  );
  console.log('');
  console.log(
    `vs zip -9: ${speed9.toFixed(2)}x faster (target >= ${TARGETS.vsZip9Speed}x) ${ok(speed9 >= TARGETS.vsZip9Speed)}; size ${pct(size9)} vs zip -9 (target <= +1.5%) ${ok(size9 <= TARGETS.vsZip9Size)}`,
  );
  console.log(
    `vs zip -6: ${speed6.toFixed(2)}x faster (target >= ${TARGETS.vsZip6Speed}x) ${ok(speed6 >= TARGETS.vsZip6Speed)}; size ${pct(oursResult.zippedBytes / zip6Bytes)} vs zip -6`,
  );
  console.log(rssLine);
  console.log(
    `re-package with the compressed-bytes cache: ${warmSeconds.toFixed(2)}s warm (identical bytes) vs ${fillSeconds.toFixed(2)}s for the run that fills it (${(fillSeconds / warmSeconds).toFixed(1)}x)`,
  );
  console.log(
    `with the default filters (bytecode, boto3/urllib3/… left out): ${filteredSeconds.toFixed(2)}s, ${filtered.files} files, ${formatBytes(filtered.unzippedBytes)} -> ${formatBytes(filtered.zippedBytes)}`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
