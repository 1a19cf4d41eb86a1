/**
 * The no-op re-run of `layer workflow` (target ≤ 2 s wall on the demo project):
 * every step must find it has nothing to do. Runs the uv example once for real
 * against moto and the loopback package index, then re-runs it and prints the
 * median wall time per step and in total, next to the first (cold) run.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { WorkflowResult } from '@lambda-layer/core';
import { repoRoot, runLayer, startMotoServer, startPackageIndex, toolsBin, wheelCacheDir } from '@lambda-layer/testing';
import { median } from './lib/measure.js';

const RERUNS = 5;
const TARGET_SECONDS = 2;
const STEPS = ['build', 'package', 'upload', 'publish'] as const;

const moto = await startMotoServer();
const index = await startPackageIndex({ dirs: [wheelCacheDir] });
const projectDir = await mkdtemp(join(tmpdir(), 'layer-bench-workflow-'));
try {
  await cp(join(repoRoot, 'examples', 'uv-app'), projectDir, { recursive: true, filter: (src) => !/[/\\](build|\.venv)$/.test(src) });
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  await new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials }).send(
    new CreateBucketCommand({ Bucket: 'layer-bench' }),
  );
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    LAYER_S3DIR: 's3://layer-bench/uv-app/lambda/',
    LAYER_INDEX_URL: index.url,
    PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ''}`,
  };

  // Asynchronous on purpose: the package index is served by this very process.
  const run = async () => {
    const started = process.hrtime.bigint();
    const child = await runLayer(['workflow', '--project-dir', projectDir, '--json', '--yes'], { env });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.code !== 0) throw new Error(`layer workflow failed: ${child.stdout}\n${child.stderr}`);
    return { seconds, result: JSON.parse(child.stdout) as WorkflowResult };
  };

  const cold = await run();
  const reruns = [];
  for (let i = 0; i < RERUNS; i += 1) reruns.push(await run());
  for (const { result } of reruns) {
    if (result.status !== 'unchanged' || STEPS.some((step) => result[step]?.status !== 'unchanged')) throw new Error('a re-run did work');
  }
  const wall = median(reruns.map((r) => r.seconds));
  console.log(`uv example, first run vs median of ${RERUNS} no-op re-runs (wall, including Node start-up)`);
  for (const step of STEPS) {
    const ms = median(reruns.map((r) => r.result.durationsMs?.[step] ?? NaN));
    console.log(`  ${step.padEnd(8)} ${String(cold.result.durationsMs?.[step] ?? '?').padStart(6)} ms -> ${String(ms).padStart(5)} ms`);
  }
  console.log(
    `  total    ${(cold.seconds * 1000).toFixed(0).padStart(6)} ms -> ${(wall * 1000).toFixed(0).padStart(5)} ms  (${(cold.seconds / wall).toFixed(1)}x faster than the first run)`,
  );
  console.log(`  no-op re-run target ≤ ${TARGET_SECONDS} s: ${wall <= TARGET_SECONDS ? 'met' : 'MISSED'}`);
  if (wall > TARGET_SECONDS) process.exitCode = 1;
} finally {
  await Promise.all([moto.stop(), index.close()]);
  await rm(projectDir, { recursive: true, force: true });
}
