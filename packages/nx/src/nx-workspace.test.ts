/**
 * The plugin inside a real Nx: a throwaway workspace whose nx.json registers
 * the BUILT plugin (run `npx tsc -b` at the repo root first), with the
 * repository's node_modules linked in so `nx` and the `layer` bin resolve as
 * they would in a user's workspace.
 */
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { localLayout } from '@lambda-layer/core';
import { repoRoot, run, type RunResult } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pluginEntry = join(repoRoot, 'packages', 'nx', 'dist', 'index.js');
const EXAMPLES = ['pip-app', 'poetry-app', 'uv-app'];
const PROJECT = 'pip-app';
const PROJECT_ROOT = `examples/${PROJECT}`;

let workspace: string;

/** The environment of every nx run: no daemon, no cloud, plain output, and no LAYER_* leaking in from the outside. */
function nxEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // No colour: the tests read Nx's output (CI=true makes Nx colour it otherwise).
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('LAYER_') || name === 'LAYER_TEST_PACKAGE_INDEX_URL');
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
  delete env.NX_SKIP_NX_CACHE;
  return { ...env, ...extra };
}

async function nx(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult & { output: string }> {
  const result = await run('npx', ['nx', ...args], { cwd: workspace, env: nxEnv(extraEnv) });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/** How Nx reports a task it took from its cache instead of running it. */
const cacheHit = (target: string) => new RegExp(`nx run ${PROJECT}:${target} {2}\\[(local cache|existing outputs match the cache, left as is)\\]`);

async function writeNxJson(pluginOptions?: Record<string, unknown>): Promise<void> {
  const plugin = pluginOptions ? { plugin: pluginEntry, options: pluginOptions } : pluginEntry;
  await writeFile(join(workspace, 'nx.json'), `${JSON.stringify({ plugins: [plugin] }, null, 2)}\n`);
}

beforeAll(async () => {
  if (!existsSync(pluginEntry)) throw new Error(`${pluginEntry} is missing: run \`npx tsc -b\` at the repository root first`);
  workspace = await mkdtemp(join(tmpdir(), 'layer-nx-ws-'));
  await writeFile(join(workspace, 'package.json'), `${JSON.stringify({ name: 'layer-nx-it', private: true }, null, 2)}\n`);
  await symlink(join(repoRoot, 'node_modules'), join(workspace, 'node_modules'), 'dir');
  // Bare Python folders: pyproject.toml with [tool.lambda-layer], a manifest, code; no project.json, no package.json.
  for (const example of EXAMPLES) {
    await cp(join(repoRoot, 'examples', example), join(workspace, 'examples', example), {
      recursive: true,
      filter: (source) => !/[/\\](build|__pycache__|\.venv)$/.test(source),
    });
  }
  await writeNxJson();
});

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe('@lambda-layer/nx in an Nx workspace', () => {
  it('makes the bare Python folder a project with the four inferred targets (nx show project)', async () => {
    const result = await nx(['show', 'project', PROJECT, '--json']);
    expect(result.code, result.output).toBe(0);
    const project = JSON.parse(result.stdout) as { name: string; root: string; targets: Record<string, Record<string, unknown>> };
    expect(project.name).toBe(PROJECT);
    expect(project.root).toBe(PROJECT_ROOT);
    const targets = project.targets;
    expect(Object.keys(targets).sort()).toEqual(['layer-build', 'layer-package', 'layer-publish', 'layer-upload']);
    // Nx has interpolated {projectRoot} in the command.
    // The bin of the CLI the plugin depends on (the repository's, linked in: outside the workspace, so an absolute path).
    expect(targets['layer-build']!.options).toEqual({
      command: `node ${join(repoRoot, 'packages', 'cli', 'bin', 'layer.js')} build --project-dir ${PROJECT_ROOT}`,
    });
    expect(targets['layer-build']!.cache).toBe(true);
    expect(targets['layer-build']!.inputs).toContain('{projectRoot}/requirements.txt');
    expect(targets['layer-build']!.outputs).toEqual([
      '{projectRoot}/build/lambda/layer/artifacts',
      '{projectRoot}/build/lambda/layer/.build-stamp.json',
    ]);
    expect(targets['layer-package']!.dependsOn).toEqual(['layer-build']);
    expect(targets['layer-upload']!.cache).toBe(false);
    expect(targets['layer-publish']!.dependsOn).toEqual(['layer-upload']);
  });

  it('a real `nx run pip-app:layer-build` builds once, then is a cache hit', async () => {
    // LAYER_* variables are settings the CLI reads (and inputs Nx hashes): the loopback index, no prompt.
    const env = { LAYER_INDEX_URL: process.env.LAYER_TEST_PACKAGE_INDEX_URL!, LAYER_YES: 'true' };
    const first = await nx(['run', `${PROJECT}:layer-build`], env);
    expect(first.code, first.output).toBe(0);
    const layout = localLayout(join(workspace, PROJECT_ROOT));
    expect(existsSync(join(layout.pythonDir, 'requests', '__init__.py')), first.output).toBe(true);
    const stampBefore = await readFile(layout.buildStamp, 'utf8');

    const second = await nx(['run', `${PROJECT}:layer-build`], env);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(cacheHit('layer-build'));
    // Nx may leave the outputs as they are or restore them from its cache; either
    // way the stamp (which records when the build ran) is the first run's.
    expect(await readFile(layout.buildStamp, 'utf8')).toBe(stampBefore);
  });

  describe('caching, with a deterministic stand-in for the layer command', () => {
    // The stand-in writes what each step writes (from the manifest, like the real
    // steps) and logs each real run, so the test sees exactly which tasks Nx ran
    // and which it took from its cache.
    const STAND_IN = `import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
const step = process.argv[2];
const projectDir = process.argv[process.argv.indexOf('--project-dir') + 1];
appendFileSync('runs.log', projectDir + ' ' + step + ' python=' + (process.env.LAYER_PYTHON_VERSION ?? '-') + '\\n');
const layerDir = join(projectDir, 'build', 'lambda', 'layer');
if (step === 'build') {
  const manifest = ['requirements.txt', 'poetry.lock', 'uv.lock'].map((name) => join(projectDir, name)).find((path) => existsSync(path));
  mkdirSync(join(layerDir, 'artifacts', 'python'), { recursive: true });
  writeFileSync(join(layerDir, 'artifacts', 'python', 'installed.txt'), readFileSync(manifest));
  writeFileSync(join(layerDir, '.build-stamp.json'), '{}');
}
if (step === 'package') {
  writeFileSync(join(layerDir, 'layer.zip'), 'zip of ' + readFileSync(join(layerDir, 'artifacts', 'python', 'installed.txt'), 'utf8'));
  writeFileSync(join(layerDir, '.package-stamp.json'), '{}');
}
console.log('stand-in layer ' + step + ' done');
`;
    const allRuns = async () =>
      existsSync(join(workspace, 'runs.log')) ? (await readFile(join(workspace, 'runs.log'), 'utf8')).trim().split('\n') : [];
    /** The runs of one project's tasks, as "<step> python=<LAYER_PYTHON_VERSION>". */
    const runs = async (root = PROJECT_ROOT) =>
      (await allRuns()).filter((line) => line.startsWith(`${root} `)).map((line) => line.slice(root.length + 1));
    const layerZip = () => join(workspace, PROJECT_ROOT, 'build', 'lambda', 'layer', 'layer.zip');

    beforeAll(async () => {
      await writeFile(join(workspace, 'stand-in-layer.mjs'), STAND_IN);
      for (const example of EXAMPLES) await rm(join(workspace, 'examples', example, 'build'), { recursive: true, force: true });
      await rm(join(workspace, 'runs.log'), { force: true });
      await writeNxJson({ command: 'node stand-in-layer.mjs' });
    });

    it('runs build then package once, and takes both from the cache on the second run', async () => {
      const first = await nx(['run', `${PROJECT}:layer-package`]);
      expect(first.code, first.output).toBe(0);
      expect(await runs()).toEqual(['build python=-', 'package python=-']);
      expect(await readFile(layerZip(), 'utf8')).toMatch(/^zip of .*requests==2\.32\.3/s);

      const second = await nx(['run', `${PROJECT}:layer-package`]);
      expect(second.code, second.output).toBe(0);
      expect(await runs(), 'nothing ran again').toHaveLength(2);
      // Without the daemon Nx cannot know the files are untouched, so it copies them back: "[local cache]".
      expect(second.output).toMatch(cacheHit('layer-build'));
      expect(second.output).toMatch(cacheHit('layer-package'));
      expect(second.output).toContain('Nx read the output from the cache instead of running the command for 2 out of 2 tasks');
    });

    it("restores deleted outputs from the cache, and a code change is not the layer's input", async () => {
      await rm(join(workspace, PROJECT_ROOT, 'build'), { recursive: true, force: true });
      await appendFile(join(workspace, PROJECT_ROOT, 'app', 'handler.py'), '\n# a change to the function, not to its dependencies\n');
      const result = await nx(['run', `${PROJECT}:layer-package`]);
      expect(result.code, result.output).toBe(0);
      expect(await runs()).toHaveLength(2);
      expect(result.output).toContain(`nx run ${PROJECT}:layer-package  [local cache]`);
      expect(await readFile(layerZip(), 'utf8')).toMatch(/requests==2\.32\.3/);
      expect(existsSync(join(workspace, PROJECT_ROOT, 'build', 'lambda', 'layer', 'artifacts', 'python', 'installed.txt'))).toBe(true);
    });

    it('runs again when the manifest or a LAYER_* setting changes', async () => {
      const requirements = join(workspace, PROJECT_ROOT, 'requirements.txt');
      await writeFile(requirements, (await readFile(requirements, 'utf8')).replace('idna==3.10', 'idna==3.9'));
      const afterLockChange = await nx(['run', `${PROJECT}:layer-package`]);
      expect(afterLockChange.code, afterLockChange.output).toBe(0);
      expect((await runs()).slice(2)).toEqual(['build python=-', 'package python=-']);
      expect(await readFile(layerZip(), 'utf8')).toMatch(/idna==3\.9/);

      const otherTarget = await nx(['run', `${PROJECT}:layer-build`], { LAYER_PYTHON_VERSION: '3.13' });
      expect(otherTarget.code, otherTarget.output).toBe(0);
      expect((await runs()).slice(4)).toEqual(['build python=3.13']);
    });

    it('never caches upload: it runs every time, after the cached build and package', async () => {
      const before = (await runs()).length;
      for (let i = 0; i < 2; i += 1) {
        const result = await nx(['run', `${PROJECT}:layer-upload`]);
        expect(result.code, result.output).toBe(0);
      }
      expect((await runs()).slice(before)).toEqual(['upload python=-', 'upload python=-']);
    });

    it('run-many builds and packages every Python project, each build before its package', async () => {
      const result = await nx(['run-many', '-t', 'layer-package', '--parallel=3']);
      expect(result.code, result.output).toBe(0);
      for (const example of ['poetry-app', 'uv-app']) {
        expect(await runs(`examples/${example}`), example).toEqual(['build python=-', 'package python=-']);
        expect(await readFile(join(workspace, 'examples', example, 'build', 'lambda', 'layer', 'layer.zip'), 'utf8')).toContain('requests');
      }
      // pip-app's tasks were cached by the tests above.
      expect(result.output).toMatch(cacheHit('layer-package'));
    });

    it("runs again when the Python tool's version changes (a runtime input), not when it stays", async () => {
      const uvRoot = 'examples/uv-app';
      // run-many above built uv-app with the real uv: the same uv is a cache hit.
      const before = (await runs(uvRoot)).length;
      const again = await nx(['run', 'uv-app:layer-build']);
      expect(again.code, again.output).toBe(0);
      expect((await runs(uvRoot)).slice(before)).toEqual([]);

      // Another uv first on PATH: same files, same settings, another tool version.
      const fakeBin = join(workspace, 'fake-bin');
      await mkdir(fakeBin, { recursive: true });
      await writeFile(join(fakeBin, 'uv'), '#!/bin/sh\necho "uv 99.0.0"\n', { mode: 0o755 });
      const upgraded = await nx(['run', 'uv-app:layer-build'], { PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ''}` });
      expect(upgraded.code, upgraded.output).toBe(0);
      expect((await runs(uvRoot)).slice(before)).toEqual(['build python=-']);
    });
  });
});
