/**
 * Several regions through the real bin, on one moto server (moto keeps
 * regions apart by the request's signing region): upload and publish per
 * region with `{region}` in the s3dir, per-region CI outputs, and one region
 * failing without undoing the other.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  createBucketInRegion,
  errorLines,
  parseJsonOutput,
  runLayer,
  stampPackage,
  startLayer,
  testLambdaClient,
  testS3Client,
  uniqueName,
  useFaultProxy,
  useTempDir,
  writeTree,
} from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { publishResultPath } from './result-file.js';

const temp = useTempDir('cli-regions-');
const faultProxy = useFaultProxy();
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n';

/** A packaged project (layer.zip and its stamps) and a bucket template with one bucket per region (only `regions` created). */
async function packagedProject(regions: readonly string[] = REGIONS) {
  const dir = await writeTree(temp.path, { 'pyproject.toml': '[project]\nname = "app"\nversion = "0.1.0"\n', 'uv.lock': LOCK }, 'project-');
  await mkdir(join(dir, 'build', 'lambda', 'layer'), { recursive: true });
  await writeFile(join(dir, 'build', 'lambda', 'layer', 'layer.zip'), Buffer.concat([Buffer.from('PK\x05\x06'), randomBytes(2048)]));
  await stampPackage(dir, 'uv');
  const prefix = uniqueName('layers');
  for (const region of regions) await createBucketInRegion(`${prefix}-${region}`, region);
  const layerName = uniqueName('multi');
  const githubOutput = join(temp.path, `${uniqueName('github-output')}.txt`);
  await writeFile(githubOutput, '');
  const env = { ...process.env, GITHUB_OUTPUT: githubOutput };
  const uploadArgs = ['--project-dir', dir, '--s3dir', `s3://${prefix}-{region}/app/lambda/`, ...REGIONS.flatMap((r) => ['--region', r]), '--json'];
  return { dir, prefix, layerName, githubOutput, env, uploadArgs, args: [...uploadArgs, '--layer-name', layerName] };
}

const versionsIn = async (region: string, layerName: string) =>
  ((await testLambdaClient({ region }).send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions ?? []).map(
    (v) => v.LayerVersionArn,
  );

interface RegionEntry {
  region: string;
  status: string;
  layerVersion?: number;
  layerVersionArn?: string;
  bytes?: number;
  error?: { code: string; message: string };
}

describe('several regions (the bin, against moto)', () => {
  it('uploads and publishes in each region with its own bucket, then finds both unchanged; CI outputs per region', async () => {
    const p = await packagedProject();
    const upload = await runLayer(['upload', ...p.uploadArgs], { env: p.env });
    expect(upload.code, upload.stderr).toBe(0);
    const uploaded = parseJsonOutput<{ status: string; regions: RegionEntry[] }>(upload);
    expect(uploaded.status).toBe('uploaded');
    expect(uploaded.regions.map((r) => [r.region, r.status])).toEqual([
      ['us-east-1', 'uploaded'],
      ['eu-west-1', 'uploaded'],
    ]);
    for (const region of REGIONS) {
      const head = await testS3Client({ region }).send(new HeadObjectCommand({ Bucket: `${p.prefix}-${region}`, Key: 'app/lambda/layer/layer.zip' }));
      expect(head.ContentLength).toBe(2052);
    }
    // Each region's lines carry its name.
    expect(upload.stderr).toMatch(/^\[eu-west-1\] Step 2 - Upload layer\.zip$/m);

    const publish = await runLayer(['publish', ...p.args], { env: p.env });
    expect(publish.code, publish.stderr).toBe(0);
    const published = parseJsonOutput<{ status: string; layerName: string; regions: RegionEntry[] }>(publish);
    expect(published).toMatchObject({ status: 'published', layerName: p.layerName });
    expect(published.regions.map((r) => [r.region, r.status, r.layerVersion])).toEqual([
      ['us-east-1', 'published', 1],
      ['eu-west-1', 'published', 1],
    ]);
    for (const [index, region] of REGIONS.entries()) {
      expect(published.regions[index]?.layerVersionArn).toBe(`arn:aws:lambda:${region}:123456789012:layer:${p.layerName}:1`);
      expect(await versionsIn(region, p.layerName)).toEqual([`arn:aws:lambda:${region}:123456789012:layer:${p.layerName}:1`]);
    }
    expect(JSON.parse(await readFile(publishResultPath(p.dir), 'utf8'))).toEqual(published);
    expect((await readFile(p.githubOutput, 'utf8')).split('\n')).toEqual([
      `layer-version-arn-us-east-1=arn:aws:lambda:us-east-1:123456789012:layer:${p.layerName}:1`,
      'layer-version-us-east-1=1',
      'status-us-east-1=published',
      `layer-version-arn-eu-west-1=arn:aws:lambda:eu-west-1:123456789012:layer:${p.layerName}:1`,
      'layer-version-eu-west-1=1',
      'status-eu-west-1=published',
      'status=published',
      'regions=us-east-1,eu-west-1',
      '',
    ]);

    const again = await runLayer(['upload', ...p.uploadArgs], { env: p.env });
    expect(parseJsonOutput<{ regions: RegionEntry[] }>(again).regions.map((r) => [r.status, r.bytes])).toEqual([
      ['unchanged', 0],
      ['unchanged', 0],
    ]);
    const republish = await runLayer(['publish', ...p.args.filter((a) => a !== '--json')], { env: p.env });
    expect(republish.code, republish.stderr).toBe(0);
    expect(republish.stdout).toContain('us-east-1:\n  Unchanged: layer version 1 of');
    expect(republish.stdout).toContain('eu-west-1:\n  Unchanged: layer version 1 of');
  });

  it('one region failing does not undo the other: exit 1 naming the region to re-run, the other region published and in the outputs', async () => {
    const p = await packagedProject(['us-east-1']);
    const upload = await runLayer(['upload', ...p.uploadArgs], { env: p.env });
    expect(upload.code).toBe(1);
    const failedUpload = parseJsonOutput<{
      status: string;
      error: { code: string; message: string };
      result: { regions: RegionEntry[]; failedRegions: string[] };
    }>(upload);
    expect(failedUpload.error.code).toBe('E_REGIONS_FAILED');
    expect(failedUpload.result.failedRegions).toEqual(['eu-west-1']);
    expect(failedUpload.result.regions[0]).toMatchObject({ region: 'us-east-1', status: 'uploaded' });

    const publish = await runLayer(['publish', ...p.args], { env: p.env });
    expect(publish.code).toBe(1);
    const errors = publish.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors.at(-1)).toMatch(
      new RegExp(
        `^error: publish failed in 1 of 2 regions \\(eu-west-1: the S3 bucket ${p.prefix}-eu-west-1 does not exist\\); done: us-east-1: published version 1; fix that and run \`layer publish\` again for that region: --region eu-west-1 \\(the other regions are done\\)$`,
      ),
    );
    expect(publish.stderr).not.toMatch(/\n\s+at /);
    const json = parseJsonOutput<{
      status: string;
      error: { code: string };
      result: { status: string; regions: RegionEntry[]; failedRegions: string[] };
    }>(publish);
    expect(json).toMatchObject({
      status: 'error',
      error: { code: 'E_REGIONS_FAILED' },
      result: { status: 'published', failedRegions: ['eu-west-1'] },
    });
    expect(json.result.regions.map((r) => [r.region, r.status, r.error?.code])).toEqual([
      ['us-east-1', 'published', undefined],
      ['eu-west-1', 'error', 'E_AWS_BUCKET_NOT_FOUND'],
    ]);
    expect(await versionsIn('us-east-1', p.layerName)).toHaveLength(1);
    expect(await versionsIn('eu-west-1', p.layerName)).toHaveLength(0);
    // The published region still reaches later CI steps.
    const outputs = await readFile(p.githubOutput, 'utf8');
    expect(outputs).toContain('layer-version-us-east-1=1\nstatus-us-east-1=published\n');
    expect(outputs).toContain('status-eu-west-1=error\n');
    expect(outputs).toContain('failed-regions=eu-west-1\n');
    // And so does publish-result.json: the partial result, the failed region named.
    expect(JSON.parse(await readFile(publishResultPath(p.dir), 'utf8'))).toEqual(json.result);

    // Fixed, the failed region alone is run again: the flag overrides the configured pair.
    await createBucketInRegion(`${p.prefix}-eu-west-1`, 'eu-west-1');
    const only = p.args.filter((arg, i, all) => arg !== '--region' && all[i - 1] !== '--region');
    const onlyUpload = p.uploadArgs.filter((arg, i, all) => arg !== '--region' && all[i - 1] !== '--region');
    expect((await runLayer(['upload', ...onlyUpload, '--region', 'eu-west-1'], { env: p.env })).code).toBe(0);
    const rerun = await runLayer(['publish', ...only, '--region', 'eu-west-1'], { env: p.env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(parseJsonOutput(rerun)).toMatchObject({ status: 'published', layerVersion: 1, layerVersionArn: expect.stringContaining(':eu-west-1:') });
    expect(await versionsIn('us-east-1', p.layerName)).toHaveLength(1);
  });

  it('SIGINT while one region publishes: exit 130, one line with the state of each region, the version of the other kept, no lock left', async () => {
    const proxy = faultProxy;
    const p = await packagedProject();
    expect((await runLayer(['upload', ...p.uploadArgs], { env: p.env })).code).toBe(0);
    proxy.clearLog();
    proxy.addRule({ service: 'Lambda', operation: 'PublishLayerVersion', region: 'eu-west-1', action: { kind: 'hang' } });
    const run = startLayer(['publish', ...p.args], { env: { ...p.env, AWS_ENDPOINT_URL: proxy.endpoint } });
    await run.waitUntil(
      () =>
        proxy.requests.some((r) => r.operation === 'PublishLayerVersion' && r.region === 'eu-west-1') &&
        run.stderr().includes('[us-east-1] published version 1 of'),
      'us-east-1 published and eu-west-1 publishing',
    );
    run.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    const lines = errorLines(exit.stderr);
    expect(lines.at(-1)).toMatch(
      /^error: interrupted by SIGINT: eu-west-1: no version was published \(stopped before PublishLayerVersion\); us-east-1: published version 1; run `layer publish` again$/,
    );
    expect(parseJsonOutput({ code: 130, stdout: exit.stdout, stderr: exit.stderr })).toMatchObject({
      status: 'interrupted',
      result: {
        regions: [
          { region: 'us-east-1', status: 'published' },
          { region: 'eu-west-1', status: 'interrupted' },
        ],
      },
    });
    expect(await versionsIn('us-east-1', p.layerName)).toHaveLength(1);
    expect(await versionsIn('eu-west-1', p.layerName)).toHaveLength(0);
    // An interrupted run records no result for later CI steps: no publish-result.json, no step outputs.
    expect(existsSync(publishResultPath(p.dir))).toBe(false);
    expect(await readFile(p.githubOutput, 'utf8')).toBe('');
    for (const region of REGIONS) {
      const lock = await testS3Client({ region }).send(
        new ListObjectsV2Command({ Bucket: `${p.prefix}-${region}`, Prefix: 'app/lambda/layer/.publish.lock' }),
      );
      expect(lock.Contents ?? []).toEqual([]);
    }
  });

  it('one region from AWS_REGION fills {region} in the s3dir; with no region at all it asks for --region', async () => {
    const p = await packagedProject(['us-east-1']);
    const single = p.uploadArgs.filter((arg, i, all) => arg !== '--region' && all[i - 1] !== '--region');
    const result = await runLayer(['upload', ...single], { env: { ...p.env, AWS_REGION: 'us-east-1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'uploaded', s3uri: `s3://${p.prefix}-us-east-1/app/lambda/layer/layer.zip` });
    const noRegion: NodeJS.ProcessEnv = { ...p.env, AWS_CONFIG_FILE: join(p.dir, 'no-config') };
    delete noRegion.AWS_REGION;
    delete noRegion.AWS_DEFAULT_REGION;
    delete noRegion.AWS_PROFILE;
    const missing = await runLayer(['upload', ...single], { env: noRegion });
    expect(missing.code).toBe(2);
    expect(errorLines(missing.stderr)).toEqual([
      `error: the s3dir s3://${p.prefix}-{region}/app/lambda/ holds {region}, but no AWS region is set; pass --region (or set AWS_REGION, or a region in the AWS profile)`,
    ]);
  });

  it('refuses several regions without {region} in the s3dir before any AWS call (a usage error)', async () => {
    const p = await packagedProject([]);
    const args = p.args.map((arg) => arg.replace('{region}', 'fixed'));
    const result = await runLayer(['publish', ...args], { env: { ...p.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `error: 2 regions (us-east-1, eu-west-1) need one bucket each, but the s3dir s3://${p.prefix}-fixed/app/lambda/ has no {region}; put {region} in the s3dir, e.g. s3://my-layers-{region}/app/lambda/ (Lambda reads a layer only from a bucket in its own region)`,
    );
  });
});
