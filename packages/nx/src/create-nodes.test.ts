import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheInputKeys, configEnvName, loadPyprojectConfig, localLayout, manifestFileName, parseBuildTool } from '@lambda-layer/core';
import { repoRoot } from '@lambda-layer/testing';
import type { CreateNodesContext, TargetConfiguration } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLayerNodes, createNodes, createNodesV2, type LambdaLayerPluginOptions, name } from './index.js';

const UV_PYPROJECT = `[project]
name = "orders-api"
version = "0.1.0"
dependencies = ["requests==2.32.3"]

[tool.lambda-layer]
layer-name = "orders-deps"
s3dir = "s3://my-bucket/orders/lambda/"
tool = "uv"
python-version = "3.12"
architecture = "arm64"
`;

let workspaceRoot: string;

beforeEach(async () => {
  workspaceRoot = await mkdtemp(join(tmpdir(), 'layer-nx-unit-'));
});
afterEach(async () => {
  await rm(workspaceRoot, { recursive: true, force: true });
});

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(workspaceRoot, path)), { recursive: true });
    await writeFile(join(workspaceRoot, path), text);
  }
}

function context(root = workspaceRoot): CreateNodesContext {
  return { workspaceRoot: root, nxJsonConfiguration: {} };
}

/** Runs the plugin exactly as Nx does: the glob's matches, the options from nx.json, the context. */
async function infer(files: string[], options?: LambdaLayerPluginOptions, root = workspaceRoot) {
  const [glob, create] = createNodes;
  expect(glob).toBe('**/pyproject.toml');
  return create(files, options, context(root));
}

function onlyProject(results: Awaited<ReturnType<typeof infer>>, file: string) {
  const entry = results.find(([source]) => source === file);
  expect(entry, `a result for ${file}`).toBeDefined();
  const projects = entry![1].projects ?? {};
  const roots = Object.keys(projects);
  expect(roots).toHaveLength(1);
  return { root: roots[0]!, project: projects[roots[0]!]! };
}

const envNames = (target: TargetConfiguration) =>
  (target.inputs ?? []).flatMap((input) => (typeof input === 'object' && 'env' in input ? [input.env] : []));
const fileInputs = (target: TargetConfiguration) => (target.inputs ?? []).filter((input): input is string => typeof input === 'string');

describe('createNodes', () => {
  it('infers the four layer targets, chained by dependsOn, for a folder with [tool.lambda-layer]', async () => {
    await writeFiles({ 'apps/orders/pyproject.toml': UV_PYPROJECT, 'apps/orders/uv.lock': 'version = 1\n' });
    const { root, project } = onlyProject(await infer(['apps/orders/pyproject.toml']), 'apps/orders/pyproject.toml');

    expect(root).toBe('apps/orders');
    expect(project.root).toBe('apps/orders');
    expect(project.name).toBe('orders-api');
    const targets = project.targets!;
    expect(Object.keys(targets).sort()).toEqual(['layer-build', 'layer-package', 'layer-publish', 'layer-upload']);
    for (const step of ['build', 'package', 'upload', 'publish']) {
      expect(targets[`layer-${step}`]!.executor).toBe('nx:run-commands');
      // The bin of the @lambda-layer/cli the plugin depends on (here the repository's, outside the workspace: an absolute path).
      expect(targets[`layer-${step}`]!.options).toEqual({
        command: `node ${join(repoRoot, 'packages', 'cli', 'bin', 'layer.js')} ${step} --project-dir {projectRoot}`,
      });
    }
    expect(targets['layer-build']!.dependsOn).toBeUndefined();
    expect(targets['layer-package']!.dependsOn).toEqual(['layer-build']);
    expect(targets['layer-upload']!.dependsOn).toEqual(['layer-package']);
    expect(targets['layer-publish']!.dependsOn).toEqual(['layer-upload']);
  });

  it('caches build and package on the manifest, pyproject.toml and LAYER_* variables, never upload or publish', async () => {
    await writeFiles({ 'apps/orders/pyproject.toml': UV_PYPROJECT, 'package-lock.json': '{}' });
    const { project } = onlyProject(await infer(['apps/orders/pyproject.toml']), 'apps/orders/pyproject.toml');
    const { 'layer-build': build, 'layer-package': pkg, 'layer-upload': upload, 'layer-publish': publish } = project.targets!;

    expect(build!.cache).toBe(true);
    expect(fileInputs(build!)).toEqual(['{projectRoot}/pyproject.toml', '{projectRoot}/uv.lock']);
    expect(envNames(build!)).toEqual([
      'LAYER_TOOL',
      'LAYER_PYTHON_VERSION',
      'LAYER_ARCHITECTURE',
      'LAYER_INSTALLER',
      'LAYER_CONTAINER',
      'LAYER_INDEX_URL',
      'LAYER_INDEX_NAME',
    ]);
    // Secrets never become part of a cache key; the function's own code is not an input of its layer.
    expect(envNames(build!)).not.toContain('LAYER_INDEX_PASSWORD');
    expect(fileInputs(build!).some((input) => input.includes('**'))).toBe(false);
    // Of all npm packages only the CLI the targets run (with its dependencies) is hashed: never the whole lockfile.
    expect(build!.inputs).toContainEqual({ externalDependencies: ['@lambda-layer/cli'] });
    // The Python tools' versions: uv's for a uv project.
    const runtime = build!.inputs!.flatMap((input) => (typeof input === 'object' && 'runtime' in input ? [input.runtime] : []));
    expect(runtime).toEqual([`node ${join(repoRoot, 'packages', 'nx', 'src', 'tool-versions.js')} uv`]);

    // Without a lock file Nx knows no npm package (it would refuse the name), so none is named.
    await rm(join(workspaceRoot, 'package-lock.json'));
    const { project: withoutLock } = onlyProject(await infer(['apps/orders/pyproject.toml']), 'apps/orders/pyproject.toml');
    expect(withoutLock.targets!['layer-build']!.inputs!.some((input) => typeof input === 'object' && 'externalDependencies' in input)).toBe(false);

    expect(pkg!.cache).toBe(true);
    expect(pkg!.inputs!.slice(0, build!.inputs!.length)).toEqual(build!.inputs);
    expect(envNames(pkg!)).toEqual(
      expect.arrayContaining(['LAYER_IGNORE', 'LAYER_DEFAULT_IGNORE', 'LAYER_KEEP_BYTECODE', 'LAYER_COMPRESSION_LEVEL']),
    );
    expect(envNames(build!)).not.toContain('LAYER_IGNORE');
    // The variables are exactly the keys core's schema marks as cache inputs: none named here by hand.
    expect(envNames(build!)).toEqual(cacheInputKeys('build').map(configEnvName));
    expect(envNames(pkg!)).toEqual([...cacheInputKeys('build'), ...cacheInputKeys('package')].map(configEnvName));
    // And the README's table of the targets names the same variables.
    const readme = readFileSync(join(repoRoot, 'packages', 'nx', 'README.md'), 'utf8');
    const readmeVariables = (target: string) =>
      [...(readme.split('\n').find((line) => line.startsWith(`| \`${target}\``)) ?? '').matchAll(/`(LAYER_[A-Z_]+)`/g)].map((m) => m[1]);
    expect(readmeVariables('layer-build')).toEqual(cacheInputKeys('build').map(configEnvName));
    expect(readmeVariables('layer-package')).toEqual(cacheInputKeys('package').map(configEnvName));

    for (const remote of [upload!, publish!]) {
      expect(remote.cache).toBe(false);
      expect(remote.outputs).toBeUndefined();
    }
  });

  it("declares outputs that are core's local layout, split so a build never restores or clobbers layer.zip", async () => {
    await writeFiles({ 'apps/orders/pyproject.toml': UV_PYPROJECT });
    const { project } = onlyProject(await infer(['apps/orders/pyproject.toml']), 'apps/orders/pyproject.toml');
    const layout = localLayout(join(workspaceRoot, 'apps/orders'));
    const resolveOutputs = (target: TargetConfiguration) =>
      target.outputs!.map((output) => join(workspaceRoot, output.replace('{projectRoot}', 'apps/orders')));

    expect(resolveOutputs(project.targets!['layer-build']!)).toEqual([layout.artifactsDir, layout.buildStamp]);
    expect(resolveOutputs(project.targets!['layer-package']!)).toEqual([layout.layerZip, layout.packageStamp]);
    for (const output of [...project.targets!['layer-build']!.outputs!, ...project.targets!['layer-package']!.outputs!]) {
      expect(output.startsWith('{projectRoot}/build/lambda/layer/')).toBe(true);
    }
  });

  it("hashes every tool's manifest when pyproject.toml does not name the tool (it may come from --tool or LAYER_TOOL)", async () => {
    await writeFiles({ 'svc/pyproject.toml': '[project]\nname = "svc"\n\n[tool.lambda-layer]\nlayer-name = "svc-deps"\n' });
    const { project } = onlyProject(await infer(['svc/pyproject.toml']), 'svc/pyproject.toml');
    expect(fileInputs(project.targets!['layer-build']!)).toEqual([
      '{projectRoot}/pyproject.toml',
      '{projectRoot}/requirements.txt',
      '{projectRoot}/poetry.lock',
      '{projectRoot}/uv.lock',
    ]);
  });

  it('ignores pyproject.toml files without [tool.lambda-layer], even unparsable ones', async () => {
    await writeFiles({
      'plain/pyproject.toml': '[project]\nname = "plain"\n\n[tool.ruff]\nline-length = 100\n',
      // Mentions the name but has no section of ours.
      'mentions/pyproject.toml': '# see lambda-layer for how we deploy\n[project]\nname = "mentions"\n[tool.lambda-layer-other]\nx = 1\n',
      'broken/pyproject.toml': '[project\nname = ',
    });
    const results = await infer(['plain/pyproject.toml', 'mentions/pyproject.toml', 'broken/pyproject.toml']);
    for (const [, result] of results) expect(Object.keys(result.projects ?? {})).toEqual([]);
  });

  it('skips the copy of pyproject.toml that build leaves in build/lambda/layer/repo/ (not a second project of the same name)', async () => {
    await writeFiles({
      'apps/orders/pyproject.toml': UV_PYPROJECT,
      'apps/orders/build/lambda/layer/repo/pyproject.toml': UV_PYPROJECT,
      'build/lambda/layer/repo/pyproject.toml': UV_PYPROJECT,
    });
    const results = await infer([
      'apps/orders/pyproject.toml',
      'apps/orders/build/lambda/layer/repo/pyproject.toml',
      'build/lambda/layer/repo/pyproject.toml',
    ]);
    const roots = results.flatMap(([, result]) => Object.keys(result.projects ?? {}));
    expect(roots).toEqual(['apps/orders']);
  });

  it('skips a broken pyproject.toml with one warning naming the file and the error, and still infers the other projects', async () => {
    await writeFiles({
      'good/pyproject.toml': UV_PYPROJECT.replace('orders-api', 'good'),
      'typo/pyproject.toml': '[project]\nname = "typo"\n\n[tool.lambda-layer]\nlayer_name = "typo"\n',
      'unparsable/pyproject.toml': '[project]\nname = "unparsable"\n[tool.lambda-layer]\nlayer-name = "x\n',
    });
    const warnings: string[] = [];
    const results = await createLayerNodes(
      ['good/pyproject.toml', 'typo/pyproject.toml', 'unparsable/pyproject.toml'],
      undefined,
      context(),
      (line) => warnings.push(line),
    );
    expect(results.map(([file, result]) => [file, Object.values(result.projects ?? {}).map((project) => project.name)])).toEqual([
      ['good/pyproject.toml', ['good']],
      ['typo/pyproject.toml', []],
      ['unparsable/pyproject.toml', []],
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^\[@lambda-layer\/nx\] skipped typo\/pyproject\.toml: unknown key "layer_name" in \[tool\.lambda-layer\] of .*typo[/\\]pyproject\.toml/,
    );
    expect(warnings[1]).toMatch(/^\[@lambda-layer\/nx\] skipped unparsable\/pyproject\.toml: .*unparsable[/\\]pyproject\.toml.*line 4/i);
    for (const warning of warnings) expect(warning).not.toContain('\n');
  });

  it('through the createNodes entry Nx calls, a broken file is no error: the graph keeps every other project', async () => {
    await writeFiles({ 'good/pyproject.toml': UV_PYPROJECT, 'bad/pyproject.toml': '[tool.lambda-layer]\ntool = [\n' });
    const results = await infer(['good/pyproject.toml', 'bad/pyproject.toml']);
    expect(results.flatMap(([, result]) => Object.keys(result.projects ?? {}))).toEqual(['good']);
  });

  it('names the project after project.json or package.json when the folder has one, else [project].name, else the folder', async () => {
    await writeFiles({
      'a/pyproject.toml': UV_PYPROJECT,
      'a/project.json': JSON.stringify({ name: 'from-project-json' }),
      'b/pyproject.toml': UV_PYPROJECT,
      'b/package.json': JSON.stringify({ name: '@acme/from-package-json' }),
      'services/c-folder/pyproject.toml': '[tool.lambda-layer]\ntool = "pip"\n',
    });
    const results = await infer(['a/pyproject.toml', 'b/pyproject.toml', 'services/c-folder/pyproject.toml']);
    expect(onlyProject(results, 'a/pyproject.toml').project.name).toBe('from-project-json');
    expect(onlyProject(results, 'b/pyproject.toml').project.name).toBe('@acme/from-package-json');
    const c = onlyProject(results, 'services/c-folder/pyproject.toml');
    expect(c.project.name).toBe('c-folder');
    expect(fileInputs(c.project.targets!['layer-build']!)).toEqual(['{projectRoot}/pyproject.toml', '{projectRoot}/requirements.txt']);
  });

  it('handles a Python project at the workspace root', async () => {
    await writeFiles({ 'pyproject.toml': UV_PYPROJECT });
    const { root, project } = onlyProject(await infer(['pyproject.toml']), 'pyproject.toml');
    expect(root).toBe('.');
    expect(project.name).toBe('orders-api');
  });

  it('takes the target prefix and the layer command from the plugin options', async () => {
    await writeFiles({ 'apps/orders/pyproject.toml': UV_PYPROJECT });
    const results = await infer(['apps/orders/pyproject.toml'], { targetPrefix: 'deps-', command: 'pnpm exec layer' });
    const targets = onlyProject(results, 'apps/orders/pyproject.toml').project.targets!;
    expect(Object.keys(targets).sort()).toEqual(['deps-build', 'deps-package', 'deps-publish', 'deps-upload']);
    expect(targets['deps-package']!.dependsOn).toEqual(['deps-build']);
    expect((targets['deps-publish']!.options as { command?: unknown }).command).toBe('pnpm exec layer publish --project-dir {projectRoot}');
  });

  it('is exported under both names Nx looks for, with the name Nx 21 would otherwise try to add to the frozen module', () => {
    expect(createNodesV2).toBe(createNodes);
    expect(name).toBe('@lambda-layer/nx');
  });
});

describe('the examples', () => {
  const examples = ['uv-app', 'poetry-app', 'pip-app'];

  it('become three Nx projects whose config core accepts and whose manifest is in place', async () => {
    const files = examples.map((name) => `examples/${name}/pyproject.toml`);
    const results = await infer(files, undefined, repoRoot);
    for (const name of examples) {
      const { root, project } = onlyProject(results, `examples/${name}/pyproject.toml`);
      expect(project.name).toBe(name);
      const config = await loadPyprojectConfig(join(repoRoot, root), { required: true });
      const tool = parseBuildTool(config.values.tool);
      expect(name.startsWith(tool)).toBe(true);
      expect(config.values['python-version']).toBe('3.12');
      expect(config.values.architecture).toBe('x86_64');
      expect(config.values['layer-name']).toBeTruthy();
      expect(config.values.s3dir).toBe(`s3://lambda-layer-demo/${name}/lambda/`);
      expect(existsSync(join(repoRoot, root, manifestFileName(tool))), `${name} has its ${manifestFileName(tool)}`).toBe(true);
      expect(fileInputs(project.targets!['layer-build']!)).toEqual(['{projectRoot}/pyproject.toml', `{projectRoot}/${manifestFileName(tool)}`]);
    }
  });
});
