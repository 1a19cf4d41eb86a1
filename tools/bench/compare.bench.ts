/**
 * lambda-layer against the tools a user would otherwise pick, in one run, on
 * one project: pyyaml, six, requests, pydantic, orjson and their
 * dependencies (13 packages) for python3.12 x86_64, locked three ways
 * (requirements.txt, poetry.lock, uv.lock, made here with the pinned tools).
 *
 *   - `layer build` per manifest kind and installer (the pinned uv, the
 *     default, and `--installer pip`), cold and warm, and the bare
 *     `uv pip install` of the same pinned wheels (the floor under ours);
 *   - the Python original (aws-lambda-artifact-builder, its local builders:
 *     pip install -t, uv sync, poetry install) on the same three manifests;
 *   - AWS SAM CLI (`sam build` of a LayerVersion with BuildMethod python3.12,
 *     requirements.txt: the only Python manifest SAM reads);
 *   - the whole cold pipeline: `layer workflow` (build, package, upload,
 *     publish on a moto server started here) against `sam build` + `zip -9`
 *     + `aws lambda publish-layer-version` on the same moto.
 *
 * Every figure uses the same loopback index serving the real wheels
 * (.cache/bench-wheels): "warm network". Cold = every tool cache emptied
 * (uv, pip, Poetry, SAM's build folder) before the run; warm = caches kept
 * from the previous run, build redone (`--force`; SAM without --cached).
 * Targets (exit 1 when missed), for `layer build` as it runs by default (the
 * pinned uv): every build ≥ 2× faster than SAM's and the original's, every
 * manifest within 1.3× of the uv.lock build, the cold pipeline ≥ 2× faster
 * than SAM's. The `--installer pip` rows are shown with their ratios: pip's
 * own start-up and install are most of their time.
 * Tools are installed once into .cache/bench-tools/ (bench-tools.ts).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { readLockedInstallSet, targetMarkerEnvironment, targetPlatform } from '@lambda-layer/build';
import { BUILD_TOOLS, type BuildTool, type Installer, INSTALLERS, manifestFileName } from '@lambda-layer/core';
import { layerBin, startMotoServer, startPackageIndex, toolsBin } from '@lambda-layer/testing';
import { BENCH_PACKAGES, ensureBenchTools, ensureBenchWheels } from './lib/bench-tools.js';
import { median, must, timed } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_RATIO = 2;
/** Each manifest within this factor of the uv.lock build (default installer), cold and warm. */
const MANIFEST_SPREAD = 1.3;

const loadAtStart = loadavg()[0] ?? 0;
const tools = await ensureBenchTools();
const wheels = await ensureBenchWheels();
const [index, moto] = await Promise.all([startPackageIndex({ dirs: [wheels] }), startMotoServer()]);
const work = await mkdtemp(join(tmpdir(), 'layer-bench-compare-'));
const target = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });

/** Each contender's own caches, emptied for a cold run. */
function cachesOf(name: string) {
  const root = join(work, 'caches', name);
  return {
    root,
    env: {
      UV_CACHE_DIR: join(root, 'uv'),
      PIP_CACHE_DIR: join(root, 'pip'),
      POETRY_CACHE_DIR: join(root, 'poetry'),
      POETRY_CONFIG_DIR: join(root, 'poetry-config'),
      POETRY_DATA_DIR: join(root, 'poetry-data'),
    },
  };
}
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  UV_PYTHON_DOWNLOADS: 'never',
  SAM_CLI_TELEMETRY: '0',
  NO_COLOR: '1',
};
delete baseEnv.UV_NO_CONFIG;
/** What a user of lambda-layer has: the pinned tools, the system Python. */
const layerPath = `${toolsBin}${delimiter}${process.env.PATH ?? ''}`;
/** SAM and the original install for the interpreter they find: Python 3.12 first. */
const py312Path = `${dirname(tools.python312)}${delimiter}${toolsBin}${delimiter}${process.env.PATH ?? ''}`;

// ------------------------------------------------------------------ the project, locked three ways

const pins = [...BENCH_PACKAGES];
const projectDirs = {} as Record<BuildTool, string>;
const pyprojectHead = `[project]\nname = "bench-app"\nversion = "0.1.0"\nrequires-python = ">=3.12"\ndependencies = [${pins.map((p) => `"${p}"`).join(', ')}]\n`;
for (const kind of BUILD_TOOLS) {
  const dir = join(work, `${kind}-app`);
  await mkdir(dir, { recursive: true });
  projectDirs[kind] = dir;
  if (kind === 'pip') {
    await writeFile(join(dir, 'pyproject.toml'), pyprojectHead);
    await writeFile(join(dir, 'requirements.txt'), `${pins.join('\n')}\n`);
  } else if (kind === 'uv') {
    await writeFile(join(dir, 'pyproject.toml'), pyprojectHead);
    await must(join(toolsBin, 'uv'), ['lock', '--quiet', '--default-index', index.url], {
      cwd: dir,
      env: { ...baseEnv, ...cachesOf('lock').env, UV_PYTHON: tools.python312 },
    });
  } else {
    await writeFile(
      join(dir, 'pyproject.toml'),
      `${pyprojectHead}\n[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = "bench"\nurl = "${index.url}"\npriority = "primary"\n`,
    );
    await must(join(toolsBin, 'poetry'), ['lock', '--no-interaction'], { cwd: dir, env: { ...baseEnv, ...cachesOf('lock').env, PATH: py312Path } });
  }
}
const samDir = join(work, 'sam-app');
await mkdir(join(samDir, 'layer'), { recursive: true });
await writeFile(join(samDir, 'layer', 'requirements.txt'), `${pins.join('\n')}\n`);
await writeFile(
  join(samDir, 'template.yaml'),
  [
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  DepsLayer:',
    '    Type: AWS::Serverless::LayerVersion',
    '    Properties:',
    '      LayerName: bench-deps',
    '      ContentUri: layer/',
    '      CompatibleRuntimes: [python3.12]',
    '      CompatibleArchitectures: [x86_64]',
    '    Metadata:',
    '      BuildMethod: python3.12',
    '      BuildArchitecture: x86_64',
    '',
  ].join('\n'),
);

// ------------------------------------------------------------------ contenders

/** Every contender must install the same 13 distributions; anything more is noted once (the original's Poetry venv brings pip). */
const extras = new Map<string, string[]>();
async function expectAll(pythonDir: string, who: string): Promise<void> {
  const installed = (await readdir(pythonDir))
    .filter((name) => name.endsWith('.dist-info'))
    .map((name) => /^(.+?)-(\d[^-]*)\.dist-info$/.exec(name))
    .map((match) => (match ? `${(match[1] as string).toLowerCase().replace(/[-_.]+/g, '-')}==${match[2]}` : '?'));
  const missing = pins.filter((pin) => !installed.includes(pin));
  if (missing.length) throw new Error(`${who} did not install ${missing.join(', ')}`);
  const more = installed.filter((pin) => !(pins as string[]).includes(pin));
  if (more.length) extras.set(who, more);
}

/** `node layer.js build …` for one manifest kind and installer: a forced, warm-cache build for Python 3.12 on x86_64. */
const layerBuildArgs = (kind: BuildTool, installer: Installer) => [
  layerBin,
  'build',
  '--project-dir',
  projectDirs[kind],
  '--tool',
  kind,
  '--installer',
  installer,
  '--python-version',
  '3.12',
  '--architecture',
  'x86_64',
  '--index-url',
  index.url,
  '--yes',
  '--force',
];

const layerPythonDir = (kind: BuildTool) => join(projectDirs[kind], 'build', 'lambda', 'layer', 'artifacts', 'python');

async function layerBuild(kind: BuildTool, installer: Installer, cold: boolean): Promise<number> {
  const caches = cachesOf(`layer-${kind}-${installer}`);
  if (cold) await rm(caches.root, { recursive: true, force: true });
  if (cold) await rm(join(projectDirs[kind], 'build'), { recursive: true, force: true });
  const args = [...layerBuildArgs(kind, installer), '--quiet'];
  const ms = await timed(() => must(process.execPath, args, { env: { ...baseEnv, ...caches.env, PATH: layerPath } }));
  await expectAll(layerPythonDir(kind), `layer build (${kind}, ${installer})`);
  return ms;
}

/**
 * The floor under `layer build`: the pinned uv alone, installing the same
 * hash-pinned set with the same flags the build gives it (read from the
 * build's debug log, its requirements file copied aside), into a fresh folder.
 */
const bareTarget = join(work, 'bare-uv', 'python');
let bareArgs: string[] | undefined;
async function bareUvArgs(): Promise<string[]> {
  const caches = cachesOf('bare-uv');
  const { stderr } = await mustWithStderr(
    process.execPath,
    // The uv installer is the default: naming it changes nothing in what the build runs.
    [...layerBuildArgs('uv', 'uv'), '--debug'],
    { ...baseEnv, ...caches.env, PATH: layerPath },
  );
  const line = stderr.split('\n').find((text) => /debug: \$ \S+\/uv pip install /.test(text));
  if (!line) throw new Error(`the build logged no uv command:\n${stderr}`);
  const words = line.replace(/^.*debug: \$ /, '').split(' ');
  words[words.indexOf('--target') + 1] = bareTarget;
  const file = join(work, 'bare-uv', 'requirements.txt');
  await mkdir(dirname(file), { recursive: true });
  await copyFile(words[words.indexOf('-r') + 1] as string, file);
  words[words.indexOf('-r') + 1] = file;
  return words;
}
async function bareUv(cold: boolean): Promise<number> {
  const caches = cachesOf('bare-uv');
  bareArgs ??= await bareUvArgs();
  if (cold) await rm(caches.root, { recursive: true, force: true });
  await rm(bareTarget, { recursive: true, force: true });
  const [command, ...args] = bareArgs as [string, ...string[]];
  const ms = await timed(() => must(command, args, { env: { ...baseEnv, ...caches.env, UV_DEFAULT_INDEX: index.url } }));
  await expectAll(bareTarget, 'bare uv pip install');
  return ms;
}

const ORIGINAL_SCRIPT = `
import sys, shutil
from pathlib import Path
import aws_lambda_artifact_builder.api as aws
kind, project, tool = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
pyproject = project / "pyproject.toml"
if kind == "pip":
    builder = aws.PipBasedLambdaLayerLocalBuilder(path_pyproject_toml=pyproject, path_bin_pip=tool, skip_prompt=True)
elif kind == "uv":
    builder = aws.UVBasedLambdaLayerLocalBuilder(path_pyproject_toml=pyproject, path_bin_uv=tool, skip_prompt=True)
else:
    builder = aws.PoetryBasedLambdaLayerLocalBuilder(path_pyproject_toml=pyproject, path_bin_poetry=tool, skip_prompt=True)
builder.run()
if kind != "pip":
    # The original's package step moves the venv's site-packages to python/ (what layer's build leaves).
    layout = builder.path_layout
    aws.move_to_dir_python(dir_site_packages=layout.dir_repo / ".venv" / "lib" / "python3.12" / "site-packages", dir_python=layout.dir_python)
`;

async function originalBuild(kind: BuildTool, cold: boolean): Promise<number> {
  const caches = cachesOf(`original-${kind}`);
  if (cold) await rm(caches.root, { recursive: true, force: true });
  const tool = kind === 'pip' ? tools.originalPip : join(toolsBin, kind);
  // Same index as everyone: the lock's own (loopback) for uv and Poetry, PIP_INDEX_URL for pip.
  const env = {
    ...baseEnv,
    ...caches.env,
    PATH: py312Path,
    PIP_INDEX_URL: index.url,
    UV_PYTHON: tools.python312,
    POETRY_VIRTUALENVS_IN_PROJECT: 'true',
  };
  const ms = await timed(() => must(tools.originalPython, ['-c', ORIGINAL_SCRIPT, kind, projectDirs[kind], tool], { env }));
  await expectAll(layerPythonDir(kind), `the original (${kind})`);
  return ms;
}

const samBuildDir = join(work, 'sam-build');
async function samBuild(cold: boolean): Promise<number> {
  const caches = cachesOf('sam');
  if (cold) await rm(caches.root, { recursive: true, force: true });
  await rm(samBuildDir, { recursive: true, force: true });
  const env = { ...baseEnv, ...caches.env, PATH: py312Path, PIP_INDEX_URL: index.url };
  const ms = await timed(() => must(tools.sam, ['build', '--template-file', 'template.yaml', '--build-dir', samBuildDir], { cwd: samDir, env }));
  await expectAll(join(samBuildDir, 'DepsLayer', 'python'), 'sam build');
  return ms;
}

// ------------------------------------------------------------------ the cold pipeline on moto

const aws = {
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
};
await new S3Client({
  endpoint: moto.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
}).send(new CreateBucketCommand({ Bucket: 'bench' }));
let pipelineRun = 0;

/** A command's stdout and stderr (the build's debug log is on stderr). */
async function mustWithStderr(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} failed:\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

async function layerPipeline(kind: BuildTool): Promise<number> {
  const caches = cachesOf(`layer-${kind}`);
  await rm(caches.root, { recursive: true, force: true });
  await rm(join(projectDirs[kind], 'build'), { recursive: true, force: true });
  pipelineRun += 1;
  const env = {
    ...baseEnv,
    ...caches.env,
    ...aws,
    PATH: layerPath,
    LAYER_S3DIR: `s3://bench/run-${pipelineRun}/`,
    LAYER_LAYER_NAME: `bench-${kind}-${pipelineRun}`,
    LAYER_INDEX_URL: index.url,
  };
  return timed(() =>
    must(
      process.execPath,
      [
        layerBin,
        'workflow',
        '--project-dir',
        projectDirs[kind],
        '--tool',
        kind,
        '--python-version',
        '3.12',
        '--architecture',
        'x86_64',
        '--yes',
        '--quiet',
      ],
      { env },
    ),
  );
}

async function samPipeline(): Promise<number> {
  pipelineRun += 1;
  const layerDir = join(samBuildDir, 'DepsLayer');
  const zip = join(work, `sam-layer-${pipelineRun}.zip`);
  return timed(async () => {
    await samBuild(true);
    await must('zip', ['-q', '-9', '-r', zip, 'python'], { cwd: layerDir });
    await must(
      tools.aws,
      [
        'lambda',
        'publish-layer-version',
        '--layer-name',
        `bench-sam-${pipelineRun}`,
        '--zip-file',
        `fileb://${zip}`,
        '--compatible-runtimes',
        'python3.12',
        '--endpoint-url',
        moto.endpoint,
        '--output',
        'json',
      ],
      {
        env: { ...baseEnv, ...aws },
      },
    );
  });
}

// ------------------------------------------------------------------ where the time goes in `layer build`

/** Wall time from spawn to each `Step N.M` line on stderr, and to exit: one warm build. */
async function layerStepTimes(kind: BuildTool, installer: Installer): Promise<Array<[string, number]>> {
  const { spawn } = await import('node:child_process');
  const caches = cachesOf(`layer-${kind}-${installer}`);
  const args = layerBuildArgs(kind, installer);
  const started = process.hrtime.bigint();
  const marks: Array<[string, number]> = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...baseEnv, ...caches.env, PATH: layerPath }, stdio: ['ignore', 'ignore', 'pipe'] });
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const step = /Step (\d\.\d) - /.exec(line);
        if (step) marks.push([step[1] as string, Number(process.hrtime.bigint() - started) / 1e6]);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`layer build (${kind}) exited ${code}`))));
  });
  marks.push(['exit', Number(process.hrtime.bigint() - started) / 1e6]);
  return marks;
}

/** Each mark's median over several runs (the runs log the same steps). */
function medianMarks(runs: Array<Array<[string, number]>>): Array<[string, number]> {
  return (runs[0] ?? []).map(([label], i) => [label, median(runs.map((marks) => marks[i]?.[1] ?? Number.NaN))]);
}

// ------------------------------------------------------------------ run

const results: Record<string, { cold: number[]; warm: number[] }> = {};
const record = (name: string, which: 'cold' | 'warm', ms: number) => {
  results[name] ??= { cold: [], warm: [] };
  results[name][which].push(ms);
};
const contenders: Array<[string, (cold: boolean) => Promise<number>]> = [
  ...INSTALLERS.flatMap((installer) =>
    BUILD_TOOLS.map(
      (kind) => [`layer:${kind}:${installer}`, (cold: boolean) => layerBuild(kind, installer, cold)] as [string, (cold: boolean) => Promise<number>],
    ),
  ),
  ['bare-uv', (cold: boolean) => bareUv(cold)],
  ...BUILD_TOOLS.map((kind) => [`original:${kind}`, (cold: boolean) => originalBuild(kind, cold)] as [string, (cold: boolean) => Promise<number>]),
  ['sam', (cold: boolean) => samBuild(cold)],
];

let exitCode = 0;
try {
  process.stderr.write(
    `[bench] ${RUNS} cold and ${RUNS} warm runs of ${contenders.length} builds, then ${RUNS} cold pipelines each; a few minutes on 2 cores\n`,
  );
  // Rounds interleave the contenders, so drift in machine load hits all alike; each round: cold, then warm.
  for (let round = 0; round < RUNS; round += 1) {
    for (const [name, run] of contenders) {
      record(name, 'cold', await run(true));
      record(name, 'warm', await run(false));
    }
  }
  const pipelines: Partial<Record<string, number[]>> = {};
  for (let round = 0; round < RUNS; round += 1) {
    for (const kind of BUILD_TOOLS) (pipelines[`layer:${kind}`] ??= []).push(await layerPipeline(kind));
    (pipelines.sam ??= []).push(await samPipeline());
  }
  const stepTimes: Record<string, Array<[string, number]>> = {};
  for (const installer of INSTALLERS) {
    for (const kind of BUILD_TOOLS) {
      const runs: Array<Array<[string, number]>> = [];
      for (let i = 0; i < 5; i += 1) runs.push(await layerStepTimes(kind, installer));
      stepTimes[`${manifestFileName(kind)}, ${installer}`] = medianMarks(runs);
    }
  }
  const nodeRuns: number[] = [];
  for (let i = 0; i < 10; i += 1) nodeRuns.push(await timed(() => must(process.execPath, ['-e', '0'])));
  const nodeFloor = median(nodeRuns);

  // Reading the lock directly against the tools' exports of the same lock.
  const environment = targetMarkerEnvironment(target);
  const lockRead: Record<string, { read: number; exportCli: number }> = {};
  for (const kind of ['uv', 'poetry'] as const) {
    const reads: number[] = [];
    for (let i = 0; i < 20; i += 1) reads.push(await timed(() => readLockedInstallSet({ dir: projectDirs[kind], tool: kind, environment })));
    const exportArgs =
      kind === 'uv'
        ? ['export', '--frozen', '--no-dev', '--no-emit-project', '--format', 'requirements-txt']
        : ['export', '--format', 'requirements.txt', '--only', 'main', '--no-interaction'];
    const exports: number[] = [];
    for (let i = 0; i < RUNS; i += 1)
      exports.push(
        await timed(() => must(join(toolsBin, kind), exportArgs, { cwd: projectDirs[kind], env: { ...baseEnv, ...cachesOf('lock').env } })),
      );
    lockRead[kind] = { read: median(reads), exportCli: median(exports) };
  }

  // ---------------------------------------------------------------- report
  const m = (name: string, which: 'cold' | 'warm') => median(results[name]?.[which] ?? []);
  const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
  const misses: string[] = [];
  /** Their time and the ratio to ours; `target` false for a figure shown for information. */
  const ratioCell = (theirs: number, ours: number, label: string, target = true) => {
    const ratio = theirs / ours;
    if (target && ratio < TARGET_RATIO) misses.push(`${label}: ${ratio.toFixed(2)}×`);
    return `${fmt(theirs).padStart(7)} ${`${ratio.toFixed(1)}×`.padStart(6)}`;
  };
  const cores = availableParallelism();
  console.log(
    `13 packages for python3.12 x86_64; loopback index over real wheels (every figure); median of ${RUNS}; ${cores} cores (${cpus()[0]?.model.trim() ?? '?'}), ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(
    `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end (above the core count, other work skews every figure)`,
  );
  console.log(
    'ratio = their time / ours (target ≥ 2× for the default installer, uv); cold = tool caches emptied, warm = caches kept, rebuild forced',
  );
  console.log('');
  console.log(
    `  ${'manifest, installer'.padEnd(22)} ${'layer cold'.padStart(10)} ${'layer warm'.padStart(10)}   ${'original cold'.padStart(14)} ${'original warm'.padStart(14)}   ${'sam cold'.padStart(14)} ${'sam warm'.padStart(14)}`,
  );
  for (const installer of INSTALLERS) {
    for (const kind of BUILD_TOOLS) {
      const name = `layer:${kind}:${installer}`;
      const ours = { cold: m(name, 'cold'), warm: m(name, 'warm') };
      const target = installer === 'uv';
      const label = `${kind} (${installer})`;
      const line = [
        `  ${`${manifestFileName(kind)}, ${installer}`.padEnd(22)} ${fmt(ours.cold).padStart(10)} ${fmt(ours.warm).padStart(10)}  `,
        ratioCell(m(`original:${kind}`, 'cold'), ours.cold, `original vs ${label} cold`, target),
        ratioCell(m(`original:${kind}`, 'warm'), ours.warm, `original vs ${label} warm`, target),
        ' ',
        ratioCell(m('sam', 'cold'), ours.cold, `sam vs ${label} cold`, target),
        ratioCell(m('sam', 'warm'), ours.warm, `sam vs ${label} warm`, target),
      ];
      console.log(line.join(' '));
    }
  }
  console.log(
    `  ${'bare uv pip install'.padEnd(22)} ${fmt(m('bare-uv', 'cold')).padStart(10)} ${fmt(m('bare-uv', 'warm')).padStart(10)}   (the pinned uv alone, same wheels and flags: the floor under the uv rows)`,
  );
  console.log(
    "  (sam reads requirements.txt only: its one figure is set against each of our manifests; the original's builders: pip -t, uv sync, poetry install)",
  );
  console.log('  (--installer pip rows: no target, for information: pip starts in ~0.3 s and installs slower than uv)');
  console.log('');
  console.log(`every manifest within ${MANIFEST_SPREAD}× of the uv.lock build (default installer)`);
  for (const which of ['cold', 'warm'] as const) {
    const reference = m('layer:uv:uv', which);
    const cells = BUILD_TOOLS.map((kind) => {
      const ratio = m(`layer:${kind}:uv`, which) / reference;
      if (ratio > MANIFEST_SPREAD) misses.push(`${manifestFileName(kind)} ${which} at ${ratio.toFixed(2)}× the uv.lock build`);
      return `${manifestFileName(kind)} ${ratio.toFixed(2)}×`;
    });
    console.log(`  ${which.padEnd(5)} ${cells.join('   ')}`);
  }
  console.log('');
  console.log('cold pipeline on moto: layer workflow (build, package, upload, publish) vs sam build + zip -9 + aws lambda publish-layer-version');
  const samPipe = median(pipelines.sam ?? []);
  for (const kind of BUILD_TOOLS) {
    const ours = median(pipelines[`layer:${kind}`] ?? []);
    console.log(`  ${manifestFileName(kind).padEnd(17)} layer ${fmt(ours).padStart(7)}   sam ${ratioCell(samPipe, ours, `pipeline sam vs ${kind}`)}`);
  }
  console.log('');
  console.log(
    'reading the lock for the target (milliseconds, in-process; what the build does) vs exporting it with the tool (what it no longer does)',
  );
  for (const [kind, figures] of Object.entries(lockRead)) {
    console.log(
      `  ${manifestFileName(kind as BuildTool).padEnd(17)} read ${figures.read.toFixed(1).padStart(6)} ms   ${kind} export ${figures.exportCli.toFixed(0).padStart(5)} ms  (${(figures.exportCli / figures.read).toFixed(0)}× faster)`,
    );
  }
  console.log('');
  console.log('where the time goes in one warm `layer build` (wall ms from spawn to each step line, then exit; median of 5)');
  for (const [name, marks] of Object.entries(stepTimes)) {
    // Each segment is named after what ran in it: start-up until Step 1.1 prints, then each step until the next.
    const parts = marks.map(([, at], i) => `${i === 0 ? 'start-up' : (marks[i - 1]?.[0] ?? '?')} ${(at - (marks[i - 1]?.[1] ?? 0)).toFixed(0)}`);
    console.log(`  ${name.padEnd(22)} ${parts.join(' | ')}  = ${(marks.at(-1)?.[1] ?? 0).toFixed(0)}`);
  }
  console.log(
    '  (start-up: Node and the CLI; 1.1 preflight, 1.2 read the previous build, 2.1 prepare, 2.2 read the lock, 2.3 install, 2.4 check and digest the tree, 2.5 record)',
  );
  console.log(`  bare \`uv pip install\` warm: ${m('bare-uv', 'warm').toFixed(0)} ms, node -e 0: ${nodeFloor.toFixed(0)} ms`);
  console.log('');
  for (const [who, more] of extras) console.log(`note: ${who} also put ${more.join(', ')} into the layer`);
  if (misses.length) {
    console.log(`targets MISSED (${misses.length}): ${misses.join('; ')}`);
    exitCode = 1;
  } else {
    console.log(
      `targets met: every build ≥ 2× faster than SAM and the original; every manifest within ${MANIFEST_SPREAD}× of uv.lock; cold pipeline ≥ 2× faster than SAM`,
    );
  }
} finally {
  await Promise.all([index.close(), moto.stop()]);
  await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
