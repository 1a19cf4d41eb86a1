/**
 * Upload throughput of uploadLayerZip against `aws s3 cp` (the AWS CLI a user
 * would otherwise run) for the same ~100 MB file to the same local moto
 * server, in one run, as a ratio (target >= 1.0x); plus the wall time of the
 * unchanged path (hash the zip + one HeadObject, nothing sent).
 *
 * Run: npx tsx packages/upload/bench/upload.bench.ts  (or `npm run bench -- upload`)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localLayout } from '@lambda-layer/core';
import { layerBin, stampPackage, startMotoServer } from '@lambda-layer/testing';
import { uploadLayerZip } from '../src/index.js';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const RUNS = 5;
const TARGET_RATIO = 1.0;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function time(fn: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const moto = await startMotoServer();
const dir = await mkdtemp(join(tmpdir(), 'upload-bench-'));
try {
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const region = 'us-east-1';
  const s3 = new S3Client({ endpoint: moto.endpoint, region, forcePathStyle: true, credentials });
  const bucket = 'upload-bench';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  // A project after `layer package`; random bytes, since a zip of wheels barely compresses either.
  const layout = localLayout(dir);
  await mkdir(layout.buildDir, { recursive: true });
  await writeFile(join(dir, 'requirements.txt'), 'six==1.16.0\n');
  await writeFile(layout.layerZip, randomBytes(SIZE));
  await stampPackage(dir, 'pip');
  const s3dir = `s3://${bucket}/bench/`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: moto.endpoint,
  };
  delete env.AWS_PROFILE;

  const awsCp = () => {
    const result = spawnSync(
      'aws',
      ['s3', 'cp', layout.layerZip, `s3://${bucket}/aws-cli/layer.zip`, '--endpoint-url', moto.endpoint, '--only-show-errors'],
      {
        env,
        encoding: 'utf8',
      },
    );
    if (result.error || result.status !== 0) throw new Error(`aws s3 cp failed: ${result.error?.message ?? result.stderr}`);
  };
  const layerCli = () => {
    const result = spawnSync(process.execPath, [layerBin, 'upload', '--project-dir', dir, '--s3dir', s3dir, '--tool', 'pip', '--force', '--quiet'], {
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`layer upload failed: ${result.stderr}`);
  };

  // Warm-up: page cache, SDK modules, moto's first-request costs, for both sides.
  await uploadLayerZip({ projectDir: dir, tool: 'pip', s3dir, s3Client: s3, force: true });
  awsCp();

  const ours: number[] = [];
  const theirs: number[] = [];
  const ourCli: number[] = [];
  const hasBin = existsSync(layerBin);
  for (let i = 0; i < RUNS; i += 1) {
    // Alternate, so drift in moto (memory, GC) hits both sides alike.
    ours.push(await time(() => uploadLayerZip({ projectDir: dir, tool: 'pip', s3dir, s3Client: s3, force: true })));
    theirs.push(await time(awsCp));
    if (hasBin) ourCli.push(await time(layerCli));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'aws-cli/layer.zip' }));
  }
  const unchanged: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    unchanged.push(
      await time(async () => {
        const result = await uploadLayerZip({ projectDir: dir, tool: 'pip', s3dir, s3Client: s3 });
        if (result.status !== 'unchanged') throw new Error(`expected unchanged, got ${result.status}`);
      }),
    );
  }
  const awsVersion: number[] = [];
  for (let i = 0; i < RUNS; i += 1) awsVersion.push(await time(() => spawnSync('aws', ['--version'], { stdio: 'ignore' })));

  const mbps = (seconds: number) => `${(SIZE / MiB / seconds).toFixed(0)} MiB/s`;
  const ratio = median(theirs) / median(ours);
  console.log(`upload of ${SIZE / MiB} MiB to moto at ${moto.endpoint}, median of ${RUNS} runs`);
  console.log(`  uploadLayerZip (hash + multipart) ${median(ours).toFixed(2)} s  ${mbps(median(ours))}`);
  console.log(
    `  aws s3 cp                         ${median(theirs).toFixed(2)} s  ${mbps(median(theirs))}  (of which ~${median(awsVersion).toFixed(2)} s is AWS CLI start-up)`,
  );
  console.log(
    `  ratio (aws s3 cp / uploadLayerZip) ${ratio.toFixed(2)}x  (target >= ${TARGET_RATIO.toFixed(1)}x: ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'})`,
  );
  if (hasBin) {
    const cliRatio = median(theirs) / median(ourCli);
    console.log(`  layer upload --force (CLI process) ${median(ourCli).toFixed(2)} s  ${mbps(median(ourCli))}  ratio ${cliRatio.toFixed(2)}x`);
  }
  console.log(`  unchanged path (hash ${SIZE / MiB} MiB + HeadObject, nothing sent) ${(median(unchanged) * 1000).toFixed(0)} ms`);
  if (ratio < TARGET_RATIO) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
  await moto.stop();
}
