/**
 * `layer build` against the bare installer commands, on the same input in
 * one run: `--installer pip` against pip (target: at most 10 % overhead), the
 * default (the pinned uv, from the lock read directly) against `uv export` +
 * `uv pip install` as a user would type them and against uv with layer's
 * exact flags; pip against uv. Then the target checks on the trees those
 * builds left (the reproducible tree, every ELF file's machine, symbol
 * versions and libraries, every Requires-Python), timed in a fresh process as
 * a build runs them once: target under 5 % of a pip build (a uv build is
 * ~0.3 s now, so there the same checks are a larger share, shown). Everything comes from the loopback index over the wheel cache
 * (tools/testing/wheels.json), with warm tool caches, so the numbers measure
 * the tools and layer, not the network. Needs `npm run build` and
 * `node tools/setup-tools.mjs` (npm run bench does both).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerBin, startPackageIndex, toolsBin, wheelCacheDir } from '@lambda-layer/testing';
import { median, must as mustRun, timed } from '../../../tools/bench/lib/measure.js';
import { installerDir } from '../src/installers.js';
import { pipInstallArgs } from '../src/pip.js';
import { pipTargetArgs, targetPlatform, uvTargetArgs } from '../src/platform.js';

const RUNS = 5;
const MAX_OVERHEAD = 0.1;
const MAX_CHECKS_SHARE = 0.05;
const src = fileURLToPath(new URL('../src/', import.meta.url));
/** The benchmark layer: every project in the wheel cache, pinned. */
const REQUIREMENTS = [
  'attrs==25.1.0',
  'certifi==2025.1.31',
  'charset-normalizer==3.4.1',
  'idna==3.10',
  'iniconfig==2.0.0',
  'markupsafe==3.0.2',
  'pyyaml==6.0.2',
  'requests==2.32.3',
  'six==1.17.0',
  'urllib3==2.3.0',
];
const target = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });

const index = await startPackageIndex({ dirs: [wheelCacheDir] });
const work = await mkdtemp(join(tmpdir(), 'build-bench-'));
const cacheEnv = { UV_CACHE_DIR: join(work, 'uv-cache'), PIP_CACHE_DIR: join(work, 'pip-cache'), UV_PYTHON_DOWNLOADS: 'never', UV_NO_CONFIG: '1' };
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...cacheEnv,
  PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ''}`,
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
};

const must = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  mustRun(command, args, { ...options, env: options.env ?? env });

// The same input for every contender: a pip project and a uv project locking the same set.
const pipProject = join(work, 'pip-app');
const uvProject = join(work, 'uv-app');
await must('mkdir', ['-p', pipProject, uvProject]);
await writeFile(join(pipProject, 'requirements.txt'), `${REQUIREMENTS.join('\n')}\n`);
await writeFile(
  join(uvProject, 'pyproject.toml'),
  `[project]\nname = "bench-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = [${REQUIREMENTS.map((r) => `"${r}"`).join(', ')}]\n`,
);
await must('uv', ['lock', '--default-index', index.url], { cwd: uvProject });

const bareTarget = join(work, 'bare', 'python');
const layerArgs = (project: string, tool: string, installer: string) => [
  layerBin,
  'build',
  '--project-dir',
  project,
  '--tool',
  tool,
  '--installer',
  installer,
  '--python-version',
  target.pythonVersion,
  '--architecture',
  target.architecture,
  '--index-url',
  index.url,
  '--yes',
  '--force',
  '--quiet',
];
/** What layer gives uv, as its debug log shows it, the requirements file copied aside (filled by the warm-up). */
let uvExact: string[] = [];

const contenders: Record<string, () => Promise<unknown>> = {
  'layer build --installer pip': async () => must(process.execPath, layerArgs(pipProject, 'pip', 'pip')),
  // The command as a user would type it from pip's documentation (the issue's command).
  'bare pip install': async () => {
    await must('rm', ['-rf', bareTarget]);
    await must(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--no-input',
        '--no-compile',
        '--target',
        bareTarget,
        ...pipTargetArgs(target),
        '-r',
        join(pipProject, 'requirements.txt'),
      ],
      {
        env: { ...env, PIP_INDEX_URL: index.url },
      },
    );
  },
  // The pip layer runs (the pinned one, from the tool cache the warm-up filled) with the very flags layer passes: layer's own cost, nothing else.
  "bare pip, layer's exact flags": async () => {
    await must('rm', ['-rf', bareTarget]);
    await must(
      'python3',
      [
        '-I',
        join(await installerDir('pip', env), 'pip'),
        ...pipInstallArgs(
          { pythonDir: bareTarget, platform: target, complete: false },
          { file: join(pipProject, 'requirements.txt'), hashed: false },
        ),
      ],
      { env: { ...env, PIP_INDEX_URL: index.url } },
    );
  },
  'layer build (uv)': async () => must(process.execPath, layerArgs(uvProject, 'uv', 'uv')),
  'bare uv export + uv pip install': async () => {
    await must('rm', ['-rf', bareTarget]);
    const requirements = join(work, 'uv-requirements.txt');
    await must('uv', ['export', '--frozen', '--no-dev', '--no-emit-project', '--format', 'requirements-txt', '--no-header', '-o', requirements], {
      cwd: uvProject,
    });
    await must(
      'uv',
      [
        'pip',
        'install',
        '--target',
        bareTarget,
        ...uvTargetArgs(target),
        '--no-build',
        '--no-deps',
        '--require-hashes',
        '--default-index',
        index.url,
        '-r',
        requirements,
      ],
      { cwd: uvProject },
    );
  },
  "bare uv, layer's exact flags": async () => {
    if (!uvExact.length) {
      const log = await mustStderr(process.execPath, [...layerArgs(uvProject, 'uv', 'uv').filter((arg) => arg !== '--quiet'), '--debug']);
      const words = (/debug: \$ (\S+\/uv pip install .*)$/m.exec(log)?.[1] ?? '').split(' ');
      const file = join(work, 'uv-exact.txt');
      await copyFile(words[words.indexOf('-r') + 1] as string, file);
      words[words.indexOf('-r') + 1] = file;
      words[words.indexOf('--target') + 1] = bareTarget;
      uvExact = words;
    }
    await must('rm', ['-rf', bareTarget]);
    await must(uvExact[0] as string, uvExact.slice(1), { env: { ...env, UV_DEFAULT_INDEX: index.url } });
  },
};

/** A command's stderr (the build's debug log). */
function mustStderr(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, _stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stderr),
    );
  });
}

try {
  // One warm-up each (fills the tools' caches), then RUNS rounds, interleaved so drift hits all alike.
  for (const run of Object.values(contenders)) await run();
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) for (const [name, run] of Object.entries(contenders)) samples[name]?.push(await timed(run));
  const ms = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)])) as Record<string, number>;

  const fmt = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
  console.log(
    `${REQUIREMENTS.length} pinned packages for Python ${target.pythonVersion} ${target.architecture}, loopback index, warm caches; median of ${RUNS} runs`,
  );
  for (const [name, value] of Object.entries(ms)) console.log(`  ${name.padEnd(32)} ${fmt(value)}`);
  const layerPip = ms['layer build --installer pip'] as number;
  const barePip = ms['bare pip install'] as number;
  const exactPip = ms["bare pip, layer's exact flags"] as number;
  const layerUv = ms['layer build (uv)'] as number;
  const bareUv = ms['bare uv export + uv pip install'] as number;
  const exactUv = ms["bare uv, layer's exact flags"] as number;
  const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)} %`;
  const pipOverhead = layerPip / barePip - 1;
  console.log(
    `  layer/bare pip:          ${(layerPip / barePip).toFixed(2)}x (overhead ${pct(layerPip / barePip)}, target <= ${MAX_OVERHEAD * 100} %: ${pipOverhead <= MAX_OVERHEAD ? 'met' : 'MISSED'})`,
  );
  console.log(
    `  layer/bare pip (same flags): ${(layerPip / exactPip).toFixed(2)}x (layer's own cost ${(layerPip - exactPip).toFixed(0)} ms: Node start, preflight, validation)`,
  );
  console.log(`  layer/bare uv (export + install as typed): ${(layerUv / bareUv).toFixed(2)}x`);
  console.log(
    `  layer/bare uv (same flags): ${(layerUv / exactUv).toFixed(2)}x (layer's own cost ${(layerUv - exactUv).toFixed(0)} ms over a ${exactUv.toFixed(0)} ms uv run: Node and the CLI, reading the lock, the checks and the stamp)`,
  );
  console.log(`  pip/uv (bare):           ${(barePip / bareUv).toFixed(1)}x  (uv is that much faster)`);
  console.log(`  pip/uv (layer build):    ${(layerPip / layerUv).toFixed(1)}x`);
  if (pipOverhead > MAX_OVERHEAD) process.exitCode = 1;

  // The checks a build runs after installing, on each layer build's tree, cold, in a fresh process (median of RUNS).
  const checks = async (project: string): Promise<number> => {
    const script = [
      `import { normalizeInstalledTree } from ${JSON.stringify(`${src}reproducible.ts`)};`,
      `import { findLayerProblems } from ${JSON.stringify(`${src}validate.ts`)};`,
      `import { targetPlatform } from ${JSON.stringify(`${src}platform.ts`)};`,
      `const dir = ${JSON.stringify(join(project, 'build', 'lambda', 'layer', 'artifacts', 'python'))};`,
      'const started = performance.now();',
      'await normalizeInstalledTree(dir);',
      `const problems = await findLayerProblems(dir, targetPlatform(${JSON.stringify({ pythonVersion: target.pythonVersion, architecture: target.architecture })}));`,
      'if (problems.length) throw new Error(JSON.stringify(problems));',
      'console.log(performance.now() - started);',
    ].join('\n');
    const samples: number[] = [];
    for (let round = 0; round < RUNS; round += 1)
      samples.push(Number(await must(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script])));
    return median(samples);
  };
  const [pipChecks, uvChecks] = [await checks(pipProject), await checks(uvProject)];
  const share = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)} %`;
  const pipShare = pipChecks / layerPip;
  console.log(`  target checks (reproducible tree, ELF symbol versions and libraries, Requires-Python), cold:`);
  console.log(
    `    on the pip build's tree: ${pipChecks.toFixed(0)} ms = ${share(pipChecks, layerPip)} of layer build --installer pip (target < ${MAX_CHECKS_SHARE * 100} %: ${pipShare < MAX_CHECKS_SHARE ? 'met' : 'MISSED'})`,
  );
  console.log(
    `    on the uv build's tree:  ${uvChecks.toFixed(0)} ms = ${share(uvChecks, layerUv)} of a default (uv) build (the same checks; the build around them got faster)`,
  );
  if (pipShare >= MAX_CHECKS_SHARE) process.exitCode = 1;
} finally {
  await index.close();
  await rm(work, { recursive: true, force: true });
}
