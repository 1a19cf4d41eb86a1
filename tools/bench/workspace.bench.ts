/**
 * A workspace of many layers stays fast: the Nx project graph of 300
 * generated Python projects with `[tool.lambda-layer]` (our plugin
 * registered, built from packages/nx/dist) against 300 plain package.json
 * projects (Nx's own inference), each computed from scratch: `nx show
 * projects` with the daemon off and the workspace data (.nx/) removed before
 * every run. Target: ratio ≤ 1.5×. Needs `npm run build` (npm run bench does it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lambda-layer/testing';
import { median, must, timed } from './lib/measure.js';

const PROJECTS = 300;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAX_RATIO = 1.5;
const pluginEntry = join(repoRoot, 'packages', 'nx', 'dist', 'index.js');
if (!existsSync(pluginEntry)) throw new Error(`${pluginEntry} is missing: run \`npm run build\` first`);

const nxBin = join(repoRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true', NO_COLOR: '1' };

async function workspace(
  name: string,
  rootPackage: Record<string, unknown>,
  nxJson: Record<string, unknown>,
  files: (i: number) => Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `layer-bench-${name}-`));
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: `bench-${name}`, private: true, ...rootPackage }, null, 2)}\n`);
  await writeFile(join(dir, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (let i = 0; i < PROJECTS; i += 1) {
    for (const [path, text] of Object.entries(files(i))) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  }
  return dir;
}

const python = await workspace('python', {}, { plugins: [pluginEntry] }, (i) => ({
  [`services/svc-${i}/pyproject.toml`]: [
    '[project]',
    `name = "svc-${i}"`,
    'version = "0.1.0"',
    'requires-python = ">=3.12"',
    'dependencies = ["requests==2.32.3", "pydantic==2.11.7"]',
    '',
    '[tool.lambda-layer]',
    `layer-name = "svc-${i}-deps"`,
    `s3dir = "s3://bucket/svc-${i}/lambda/"`,
    'tool = "uv"',
    'python-version = "3.12"',
    'architecture = "arm64"',
    '',
  ].join('\n'),
  [`services/svc-${i}/uv.lock`]: 'version = 1\n',
}));
const plain = await workspace('plain', { workspaces: ['libs/*'] }, {}, (i) => ({
  [`libs/lib-${i}/package.json`]: `${JSON.stringify({ name: `lib-${i}`, version: '0.1.0', scripts: { build: 'tsc -b' } }, null, 2)}\n`,
}));

async function graph(dir: string): Promise<number> {
  await rm(join(dir, '.nx'), { recursive: true, force: true });
  let count = 0;
  const ms = await timed(async () => {
    count = (JSON.parse(await must(process.execPath, [nxBin, 'show', 'projects', '--json'], { cwd: dir, env })) as string[]).length;
  });
  if (count < PROJECTS) throw new Error(`nx found ${count} projects in ${dir}, expected ${PROJECTS}`);
  return ms;
}

try {
  // One warm-up each (file system caches), then interleaved rounds.
  await graph(python);
  await graph(plain);
  const samples = { python: [] as number[], plain: [] as number[] };
  for (let round = 0; round < RUNS; round += 1) {
    samples.python.push(await graph(python));
    samples.plain.push(await graph(plain));
  }
  const ours = median(samples.python);
  const theirs = median(samples.plain);
  const ratio = ours / theirs;
  console.log(
    `Nx project graph from scratch (nx show projects, daemon off, .nx/ removed), ${PROJECTS} projects, median of ${RUNS}, ${availableParallelism()} cores`,
  );
  console.log(`  Python projects, @lambda-layer/nx   ${ours.toFixed(0).padStart(6)} ms`);
  console.log(`  package.json projects (Nx itself)   ${theirs.toFixed(0).padStart(6)} ms`);
  console.log(
    `  ratio ${ratio.toFixed(2)}× (target ≤ ${MAX_RATIO}×: ${ratio <= MAX_RATIO ? 'met' : 'MISSED'}); the plugin's own cost ${(ours - theirs).toFixed(0)} ms, ${((ours - theirs) / PROJECTS).toFixed(2)} ms a project`,
  );
  if (ratio > MAX_RATIO) process.exitCode = 1;
} finally {
  await Promise.all([python, plain].map((dir) => rm(dir, { recursive: true, force: true })));
}
