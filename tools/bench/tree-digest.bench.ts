/**
 * The content digest of artifacts/python/ that the build stamp records and
 * that `layer build` and `layer package` recompute on every run, against
 * `find … -type f -print0 | xargs -0 sha256sum` (what a script would use to
 * fingerprint a tree). Builds the three examples for real (loopback index),
 * then adds the tools venv's site-packages as a larger tree. Median of 5 warm runs.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { digestTree, formatBytes, localLayout } from '@lambda-layer/core';
import { repoRoot, runLayer, startPackageIndex, toolsBin, wheelCacheDir } from '@lambda-layer/testing';

const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function time(fn: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function compare(label: string, dir: string): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  let digest = await digestTree(dir); // warms the page cache for both
  for (let i = 0; i < RUNS; i += 1) {
    ours.push(await time(async () => (digest = await digestTree(dir))));
    theirs.push(await time(() => spawnSync('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: dir })));
  }
  const [a, b] = [median(ours), median(theirs)];
  console.log(
    `  ${label.padEnd(22)} ${String(digest.files).padStart(6)} files ${formatBytes(digest.bytes).padStart(9)}   digestTree ${a.toFixed(0).padStart(5)} ms   sha256sum ${b.toFixed(0).padStart(5)} ms   ratio ${(b / a).toFixed(2)}x`,
  );
}

const index = await startPackageIndex({ dirs: [wheelCacheDir] });
const work = await mkdtemp(join(tmpdir(), 'layer-bench-digest-'));
try {
  const env = { ...process.env, LAYER_INDEX_URL: index.url, PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ''}` };
  console.log(`tree digest (median of ${RUNS}; ratio > 1: digestTree is faster than find | xargs sha256sum)`);
  for (const name of ['uv-app', 'poetry-app', 'pip-app']) {
    const projectDir = join(work, name);
    await cp(join(repoRoot, 'examples', name), projectDir, { recursive: true, filter: (src) => !/[/\\](build|\.venv)$/.test(src) });
    // Asynchronous on purpose: the package index is served by this very process.
    const built = await runLayer(['build', '--project-dir', projectDir, '--yes', '--quiet'], { env });
    if (built.code !== 0) throw new Error(`layer build of ${name} failed: ${built.stderr}`);
    await compare(`examples/${name}`, localLayout(projectDir).pythonDir);
  }
  const venv = join(repoRoot, '.tools', 'venv', 'lib');
  await compare('.tools/venv/lib', venv);
} finally {
  await index.close();
  await rm(work, { recursive: true, force: true });
}
