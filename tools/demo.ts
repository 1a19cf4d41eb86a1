/**
 * `npm run demo`: the whole pipeline on examples/uv-app against a local AWS
 * emulator. Starts the moto server on a free loopback port, runs
 * `layer workflow` on a copy of the example (so the repo stays clean), prints
 * the layer version ARN, runs it again to show every step "unchanged", changes
 * one pinned version, runs again to publish version 2, and stops the server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { layerBin, repoRoot, startMotoServer, toolsBin } from '@lambda-layer/testing';

interface WorkflowJson {
  status: string;
  build?: { status: string };
  package?: { status: string };
  upload?: { status: string };
  publish?: { status: string; layerVersion: number; layerVersionArn: string; s3pathManifest: string };
  error?: { message: string };
}

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function runWorkflow(projectDir: string, env: NodeJS.ProcessEnv): Promise<{ json: WorkflowJson; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Logs stream to the terminal (stderr); stdout carries the one JSON result.
    const child = spawn(process.execPath, [layerBin, 'workflow', '--project-dir', projectDir, '--json', '--yes'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      try {
        const json = JSON.parse(stdout) as WorkflowJson;
        if (code !== 0) reject(new Error(`layer workflow failed (exit ${code}): ${json.error?.message ?? stdout}`));
        else resolve({ json, seconds });
      } catch {
        reject(new Error(`layer workflow exited ${code} without a JSON result: ${stdout}`));
      }
    });
  });
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`demo check failed: ${message}`);
}

const moto = await startMotoServer();
const projectDir = await mkdtemp(join(tmpdir(), 'layer-demo-'));
try {
  console.log(bold(`moto server (S3 + Lambda) on ${moto.endpoint}`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_REGION: 'us-east-1',
    PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ''}`,
  };
  delete env.AWS_PROFILE;
  await cp(join(repoRoot, 'examples', 'uv-app'), projectDir, { recursive: true, filter: (src) => !src.includes(join('uv-app', 'build')) });
  const pyproject = await readFile(join(projectDir, 'pyproject.toml'), 'utf8');
  const bucket = /s3dir\s*=\s*"s3:\/\/([^/"]+)/.exec(pyproject)?.[1] ?? 'lambda-layer-demo';
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  console.log(bold(`bucket s3://${bucket}/ created; project copied to ${projectDir}\n`));

  console.log(bold('1) layer workflow — first run'));
  const first = await runWorkflow(projectDir, env);
  expect(first.json.publish?.status === 'published' && first.json.publish.layerVersion === 1, 'the first run publishes version 1');
  console.log(bold(`\n   published ${first.json.publish?.layerVersionArn} in ${first.seconds.toFixed(1)}s\n`));

  console.log(bold('2) layer workflow — again, nothing changed'));
  const second = await runWorkflow(projectDir, env);
  const statuses = (['build', 'package', 'upload', 'publish'] as const).map((step) => `${step}: ${second.json[step]?.status}`);
  expect(second.json.status === 'unchanged', 'the re-run changes nothing');
  console.log(bold(`\n   ${statuses.join(', ')} — ${second.seconds.toFixed(2)}s\n`));

  console.log(bold('3) change one pinned version (certifi 2025.1.31 -> 2024.12.14), re-lock with uv, run again'));
  await writeFile(join(projectDir, 'pyproject.toml'), pyproject.replace('certifi==2025.1.31', 'certifi==2024.12.14'));
  const lock = spawnSync(join(toolsBin, 'uv'), ['lock', '--quiet'], {
    cwd: projectDir,
    env: { ...env, UV_PYTHON_DOWNLOADS: 'never' },
    stdio: 'inherit',
  });
  expect(lock.status === 0, '`uv lock` succeeds');
  const third = await runWorkflow(projectDir, env);
  expect(third.json.publish?.status === 'published' && third.json.publish.layerVersion === 2, 'the changed lock publishes version 2');
  console.log(bold(`\n   published ${third.json.publish?.layerVersionArn}; manifest backed up at ${third.json.publish?.s3pathManifest}`));
  console.log(bold(`\ndemo done: version 1, a no-op re-run in ${second.seconds.toFixed(2)}s, version 2 after the lock changed.`));
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await moto.stop();
  await rm(projectDir, { recursive: true, force: true });
}
