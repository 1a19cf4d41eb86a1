/**
 * Nx workspaces as users have them, at the lowest and the highest Nx the
 * plugin's peer range names: a fresh folder outside the repository with nx and
 * the packed packages, `nx add @lambda-layer/nx` (the init generator), a Python
 * service and a broken neighbour, real builds from the loopback package index,
 * Nx's cache across an unrelated lockfile change and a workspace moved to
 * another path (a remote cache on another machine), and a publish against moto.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parseJsonOutput, run, type RunResult, uniqueName } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumerEnv,
  copyExample,
  freshFolder,
  laneVersions,
  LIBRARY_PACKAGES,
  nodeBinaries,
  npm,
  tarball,
  warningLines,
  withNodeOnPath,
} from './consumer.js';

const versions = laneVersions();
const newestNode = nodeBinaries().at(-1)!;
const LANES = [
  { lane: 'lowest', nx: versions.nx.lowest, node: nodeBinaries()[0]! },
  { lane: 'highest', nx: versions.nx.highest, node: newestNode },
];

const SERVICE = 'services/orders';
const PROJECT = 'uv-app'; // [project].name of examples/uv-app
const BROKEN = 'services/broken/pyproject.toml';

/** How Nx reports a task it took from its cache instead of running it. */
const fromCache = (target: string) => new RegExp(`nx run ${PROJECT}:${target} {2}\\[(local cache|existing outputs match the cache, left as is)\\]`);

describe.each(LANES)('an Nx $nx workspace ($lane supported major) on Node $node.version', ({ nx: nxVersion, node }) => {
  let workspace: string;

  /** Every Nx command: no daemon (CI's setting; the daemon would keep warnings in its log), no cloud, plain output, `node` = this lane's Node. */
  const nxEnv = (extra: Record<string, string | undefined> = {}) =>
    withNodeOnPath(node.binary, consumerEnv({ NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', ...extra }));
  const nx = async (args: string[], extra: Record<string, string | undefined> = {}): Promise<RunResult & { output: string }> => {
    const result = await run(node.binary, [join(workspace, 'node_modules', '.bin', 'nx'), ...args], { cwd: workspace, env: nxEnv(extra) });
    return { ...result, output: `${result.stdout}\n${result.stderr}` };
  };
  /** The packed `layer` bin, run directly as a later CI step would. */
  const layer = (args: string[]) =>
    run(node.binary, [join(workspace, 'node_modules', '@lambda-layer', 'cli', 'bin', 'layer.js'), ...args], { cwd: workspace, env: nxEnv() });
  const buildEnv = () => ({ LAYER_INDEX_URL: process.env.LAYER_TEST_PACKAGE_INDEX_URL, LAYER_YES: 'true' });
  const layerDir = () => join(workspace, SERVICE, 'build', 'lambda', 'layer');

  beforeAll(async () => {
    workspace = await freshFolder(`nx-${nxVersion}`);
    await writeFile(join(workspace, 'package.json'), `${JSON.stringify({ name: 'python-services', private: true, version: '0.0.0' }, null, 2)}\n`);
    await writeFile(join(workspace, 'nx.json'), '{}\n');
    // The plugin's siblings first (from a registry `nx add` would fetch them itself), then nx at this lane's version.
    await npm(['install', '--save-dev', `nx@${nxVersion}`, ...LIBRARY_PACKAGES.map(tarball)], workspace);
  });

  afterAll(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('`nx add @lambda-layer/nx` installs the plugin and its init generator registers it', async () => {
    const result = await nx(['add', `@lambda-layer/nx@file:${tarball('nx')}`]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Generating @lambda-layer/nx:init');
    const nxJson = JSON.parse(await readFile(join(workspace, 'nx.json'), 'utf8')) as { plugins?: unknown[] };
    expect(nxJson.plugins).toEqual([{ plugin: '@lambda-layer/nx', options: { targetPrefix: 'layer-' } }]);
    expect(await readFile(join(workspace, '.gitignore'), 'utf8')).toContain('**/build/lambda/layer/');
    const manifest = JSON.parse(await readFile(join(workspace, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    expect(Object.keys(manifest.devDependencies ?? {})).toContain('@lambda-layer/nx');
    // npm installed no @nx/devkit of another major beside nx: the plugin needs none at run time.
    const devkit = join(workspace, 'node_modules', '@nx', 'devkit', 'package.json');
    if (existsSync(devkit))
      expect((JSON.parse(await readFile(devkit, 'utf8')) as { version: string }).version.split('.')[0]).toBe(nxVersion.split('.')[0]);
  });

  it('infers the layer targets of a Python service; a broken neighbour pyproject.toml is skipped with a warning naming it', async () => {
    await copyExample('uv-app', join(workspace, SERVICE));
    await mkdir(join(workspace, 'services', 'broken'), { recursive: true });
    await writeFile(join(workspace, BROKEN), '[project]\nname = "broken"\n\n[tool.lambda-layer]\ntool = "uv\n');

    const projects = await nx(['show', 'projects', '--json']);
    expect(projects.code, projects.output).toBe(0);
    expect(JSON.parse(projects.stdout)).toContain(PROJECT);
    expect(JSON.parse(projects.stdout)).not.toContain('broken');
    expect(projects.stderr).toMatch(/\[@lambda-layer\/nx\] skipped services\/broken\/pyproject\.toml: .*is not valid TOML at line 5/);

    const shown = await nx(['show', 'project', PROJECT, '--json']);
    expect(shown.code, shown.output).toBe(0);
    const { targets } = JSON.parse(shown.stdout) as {
      targets: Record<string, { options: { command: string }; inputs?: unknown[]; cache?: boolean }>;
    };
    expect(
      Object.keys(targets)
        .filter((name) => name.startsWith('layer-'))
        .sort(),
    ).toEqual(['layer-build', 'layer-package', 'layer-publish', 'layer-upload']);
    // The CLI the plugin depends on, named relative to the workspace: the same on every machine.
    expect(targets['layer-build']!.options.command).toBe(`node node_modules/@lambda-layer/cli/bin/layer.js build --project-dir ${SERVICE}`);
    expect(targets['layer-build']!.inputs).toContainEqual({ externalDependencies: ['@lambda-layer/cli'] });
    expect(targets['layer-build']!.inputs).toContainEqual({ runtime: 'node node_modules/@lambda-layer/nx/dist/tool-versions.js uv' });
    expect(targets['layer-upload']!.cache).toBe(false);
  });

  it('loads the plugin with require() and import on this Node, without a warning', async () => {
    for (const [flag, code] of [
      ['-e', "const p = require('@lambda-layer/nx'); console.log(p.name, typeof p.createNodes[1], typeof p.initGenerator)"],
      ['--input-type=module', "import('@lambda-layer/nx').then((p) => console.log(p.name, typeof p.createNodes[1], typeof p.initGenerator))"],
    ] as const) {
      const result = await run(node.binary, flag === '-e' ? ['-e', code] : [flag, '-e', code], { cwd: workspace, env: nxEnv() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe('@lambda-layer/nx function function');
      expect(warningLines(result.stderr)).toEqual([]);
    }
  });

  it('builds and packages for real, then takes both from the cache, also after an unrelated change to the npm lockfile', async () => {
    const first = await nx(['run', `${PROJECT}:layer-package`], buildEnv());
    expect(first.code, first.output).toBe(0);
    expect(existsSync(join(layerDir(), 'artifacts', 'python', 'requests', '__init__.py')), first.output).toBe(true);
    expect(existsSync(join(layerDir(), 'layer.zip'))).toBe(true);
    expect(warningLines(first.output)).toEqual([]);

    const second = await nx(['run', `${PROJECT}:layer-package`], buildEnv());
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(fromCache('layer-build'));
    expect(second.output).toMatch(fromCache('layer-package'));

    // A JavaScript dependency the layer has nothing to do with: package-lock.json changes, the layer's cache key does not.
    const lockBefore = await readFile(join(workspace, 'package-lock.json'), 'utf8');
    await mkdir(join(workspace, 'tools', 'unrelated'), { recursive: true });
    await writeFile(join(workspace, 'tools', 'unrelated', 'package.json'), JSON.stringify({ name: 'unrelated-js-helper', version: '1.0.0' }));
    await npm(['install', '--save-dev', './tools/unrelated'], workspace);
    expect(await readFile(join(workspace, 'package-lock.json'), 'utf8')).not.toBe(lockBefore);

    const third = await nx(['run', `${PROJECT}:layer-package`], buildEnv());
    expect(third.code, third.output).toBe(0);
    expect(third.output).toMatch(fromCache('layer-build'));
    expect(third.output).toMatch(fromCache('layer-package'));
  });

  /**
   * After Nx restored build and package outputs, `layer build` and `layer package` run
   * directly must find nothing to redo. Their stamps decide: they hold only
   * project-relative paths and content digests (no mtimes), so a restore, even at
   * another path, leaves them true.
   */
  const expectCliUnchanged = async () => {
    const zipBefore = await readFile(join(layerDir(), 'layer.zip'));
    for (const step of ['build', 'package']) {
      const result = await layer([step, '--project-dir', SERVICE, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const output = parseJsonOutput(result);
      expect(output.status, `layer ${step} after the restore`).toBe('unchanged');
      // Paths in the result are this workspace's, not those of the machine (or folder) that built it.
      const absolutePaths = Object.values(output).filter((value): value is string => typeof value === 'string' && isAbsolute(value));
      for (const path of absolutePaths) expect(path.startsWith(`${workspace}/`), `${step} result path ${path}`).toBe(true);
    }
    expect((await readFile(join(layerDir(), 'layer.zip'))).equals(zipBefore), 'layer.zip untouched').toBe(true);
  };

  it('restores deleted build and package outputs from the cache', async () => {
    await rm(join(workspace, SERVICE, 'build'), { recursive: true, force: true });
    const restored = await nx(['run', `${PROJECT}:layer-package`], buildEnv());
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(fromCache('layer-build'));
    expect(restored.output).toMatch(fromCache('layer-package'));
    expect(existsSync(join(layerDir(), 'layer.zip'))).toBe(true);
    expect(existsSync(join(layerDir(), 'artifacts', 'python', 'requests', '__init__.py'))).toBe(true);
  });

  it('after that restore the CLI agrees nothing changed: its stamps match the restored files', expectCliUnchanged);

  it('publishes with `nx run …:layer-publish`: the ARN in its output, publish-result.json and the GitHub step outputs', async () => {
    const bucket = uniqueName('consumer-nx');
    await new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1', forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
    const layerName = uniqueName('orders-deps');
    const githubOutput = join(workspace, 'github-output.txt');
    const result = await nx(['run', `${PROJECT}:layer-publish`], {
      ...buildEnv(),
      LAYER_S3DIR: `s3://${bucket}/orders/lambda/`,
      LAYER_LAYER_NAME: layerName,
      GITHUB_OUTPUT: githubOutput,
    });
    expect(result.code, result.output).toBe(0);
    const arn = new RegExp(`arn:aws:lambda:us-east-1:\\d{12}:layer:${layerName}:1`);
    expect(result.output).toMatch(arn);
    const deployment = JSON.parse(await readFile(join(layerDir(), 'publish-result.json'), 'utf8')) as { layerVersionArn: string };
    expect(deployment).toMatchObject({ status: 'published', layerName, layerVersion: 1, layerVersionArn: expect.stringMatching(arn) });
    expect(await readFile(githubOutput, 'utf8')).toBe(
      `layer-version-arn=${deployment.layerVersionArn}\nlayer-version=1\nstatus=published\n` +
        `layer-version-arn-us-east-1=${deployment.layerVersionArn}\nlayer-version-us-east-1=1\nstatus-us-east-1=published\n`,
    );
    expect(warningLines(result.output)).toEqual([]);
  });

  it('moved to another path (a remote cache restore on another machine): still a cache hit', async () => {
    const moved = `${workspace}-elsewhere`;
    await rename(workspace, moved);
    workspace = moved;
    await rm(join(workspace, SERVICE, 'build'), { recursive: true, force: true });

    const restored = await nx(['run', `${PROJECT}:layer-package`], buildEnv());
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(fromCache('layer-build'));
    expect(restored.output).toMatch(fromCache('layer-package'));
  });

  it('after a restore at another path the CLI skips too: no absolute path in its stamps', expectCliUnchanged);
});
