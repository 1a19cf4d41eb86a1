/**
 * A plain npm project, as a user has it: the tarballs installed into a fresh
 * folder outside the repository, then `npx layer`, ESM import, CommonJS
 * require and TypeScript (`moduleResolution: nodenext`, both module kinds), on
 * every Node version the lane has: the machine's, the lowest engines allows,
 * and the next majors.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parseJsonOutput, run, uniqueName } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerEnv, copyExample, freshFolder, LIBRARY_PACKAGES, nodeBinaries, npm, releaseVersion, tarball, warningLines } from './consumer.js';

/** One value export per package: the import is real only if it is the function or class users call. */
const ENTRY_POINTS: Record<(typeof LIBRARY_PACKAGES)[number], string> = {
  core: 'S3Path',
  build: 'buildLayer',
  package: 'packageLayer',
  upload: 'uploadLayerZip',
  publish: 'publishLayerVersion',
  cli: 'main',
};

const ESM_CHECK = `${LIBRARY_PACKAGES.map((name) => `import { ${ENTRY_POINTS[name]} as ${name}Entry } from '@lambda-layer/${name}';`).join('\n')}
const loaded = { ${LIBRARY_PACKAGES.map((name) => `${name}: ${name}Entry`).join(', ')} };
console.log(JSON.stringify(Object.fromEntries(Object.entries(loaded).map(([name, value]) => [name, typeof value]))));
`;

const CJS_CHECK = `const loaded = {
${LIBRARY_PACKAGES.map((name) => `  ${name}: require('@lambda-layer/${name}').${ENTRY_POINTS[name]},`).join('\n')}
};
console.log(JSON.stringify(Object.fromEntries(Object.entries(loaded).map(([name, value]) => [name, typeof value]))));
`;

/** The same imports in TypeScript, with types from every package, compiled as an ES module (.mts) and as CommonJS (.cts). */
const TS_CHECK = `${LIBRARY_PACKAGES.map((name) => `import { ${ENTRY_POINTS[name]} as ${name}Entry } from '@lambda-layer/${name}';`).join('\n')}
import type { LayerDeployment, BuildResult } from '@lambda-layer/core';
import type { PublishLayerVersionOptions } from '@lambda-layer/publish';

const deployment: LayerDeployment = { status: 'unchanged', layerName: 'deps', layerVersion: 1, layerVersionArn: 'arn', s3pathManifest: 's3://b/k' };
type PublishOptionKeys = keyof PublishLayerVersionOptions;
const key: PublishOptionKeys = 'layerName';
const built: Pick<BuildResult, 'status'> = { status: 'built' };
const path = coreEntry.parse('s3://bucket/app/');
const loaded = [${LIBRARY_PACKAGES.filter((name) => name !== 'core')
  .map((name) => `${name}Entry`)
  .join(', ')}];
console.log(JSON.stringify({ bucket: path.bucket, key, built: built.status, version: deployment.layerVersion, types: loaded.map((value) => typeof value) }));
`;

const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    outDir: 'out',
    types: ['node'],
    skipLibCheck: false,
  },
  files: ['check.mts', 'check.cts'],
};

const allFunctions = Object.fromEntries(LIBRARY_PACKAGES.map((name) => [name, 'function']));

let project: string;

beforeAll(async () => {
  project = await freshFolder('npm');
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'a-python-service', private: true, version: '1.0.0' }, null, 2)}\n`);
  // The set of tarballs (siblings resolve among them; from a registry each resolves its ^ range) and what a TypeScript user has.
  await npm(['install', ...LIBRARY_PACKAGES.map(tarball), 'typescript@5.9.3', '@types/node@20.19.0'], project);
  await writeFile(join(project, 'check.mjs'), ESM_CHECK);
  await writeFile(join(project, 'check.cjs'), CJS_CHECK);
  await writeFile(join(project, 'check.mts'), TS_CHECK);
  await writeFile(join(project, 'check.cts'), TS_CHECK);
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('a plain npm project with the packed packages', () => {
  it('runs `npx layer --version`', async () => {
    const result = await run('npx', ['layer', '--version'], { cwd: project, env: consumerEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(await releaseVersion());
    expect(warningLines(result.stderr)).toEqual([]);
  });

  it('type-checks and compiles TypeScript importing every package, as an ES module and as CommonJS (moduleResolution nodenext)', async () => {
    const compiled = await run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
      env: consumerEnv(),
    });
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
    for (const output of ['out/check.mjs', 'out/check.cjs']) {
      const result = await run(process.execPath, [output], { cwd: project, env: consumerEnv() });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        bucket: 'bucket',
        key: 'layerName',
        built: 'built',
        version: 1,
        types: Array(LIBRARY_PACKAGES.length - 1).fill('function'),
      });
    }
  });

  describe.each(nodeBinaries())('on Node $version', ({ version, binary }) => {
    it('imports every package from ESM and requires it from CommonJS, without a warning', async () => {
      for (const script of ['check.mjs', 'check.cjs']) {
        const result = await run(binary, [script], { cwd: project, env: consumerEnv() });
        expect(result.code, `${script} on Node ${version}: ${result.stderr}`).toBe(0);
        expect(JSON.parse(result.stdout), script).toEqual(allFunctions);
        expect(warningLines(result.stderr), script).toEqual([]);
      }
    });

    it('runs the packed `layer workflow` end to end against moto, printing the ARN and no warning', async () => {
      const app = join(project, `pip-app-node-${version}`);
      await copyExample('pip-app', app);
      const bucket = uniqueName('consumer-npm');
      const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1', forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const layerName = uniqueName('consumer-npm-deps');
      const bin = join(project, 'node_modules', '@lambda-layer', 'cli', 'bin', 'layer.js');
      const args = ['workflow', '--project-dir', app, '--layer-name', layerName, '--s3dir', `s3://${bucket}/app/lambda/`, '--yes', '--json'];
      const result = await run(binary, [bin, ...args], {
        cwd: project,
        env: consumerEnv({ LAYER_INDEX_URL: process.env.LAYER_TEST_PACKAGE_INDEX_URL }),
      });
      expect(result.code, result.stderr).toBe(0);
      const workflow = parseJsonOutput<{ status: string; publish: { layerVersionArn: string } }>(result);
      expect(workflow.status).toBe('published');
      expect(workflow.publish.layerVersionArn).toMatch(new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:layer:${layerName}:1$`));
      expect(JSON.parse(await readFile(join(app, 'build', 'lambda', 'layer', 'publish-result.json'), 'utf8'))).toEqual(workflow.publish);
      expect(warningLines(result.stderr)).toEqual([]);
    });
  });
});
