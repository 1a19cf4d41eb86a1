#!/usr/bin/env node
// Installs what the tests, the demo and the benchmarks need beyond npm
// packages, into git-ignored folders, idempotently:
//   .tools/venv/      a Python virtual environment with pinned uv, Poetry (+ export
//                     plugin) and, where the machine lacks it, moto's server
//   .cache/wheels/    real wheels for the loopback package index, fetched once, and
//                     the wheels of the pinned installers (packages/build/pinned-installers.json),
//                     which the tests' global setup installs from that index into
//                     .cache/lambda-layer/tools/ (the tests' LAYER_CACHE_DIR)
// A stamp per folder records what was installed, so a second run costs ~0.1 s.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const toolsDir = join(root, '.tools');
const venv = join(toolsDir, 'venv');
const venvBin = join(venv, 'bin');
const wheelsDir = join(root, '.cache', 'wheels');
const quiet = process.argv.includes('--quiet');

const log = (line) => !quiet && process.stderr.write(`[setup-tools] ${line}\n`);
const digest = (value) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
const readStamp = (path) => (existsSync(path) ? readFileSync(path, 'utf8').trim() : '');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  }
  return result.stdout;
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)) && !dir.startsWith(venv));
}

function python() {
  for (const candidate of [process.env.PYTHON, 'python3.11', 'python3']) {
    if (!candidate) continue;
    const result = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (result.status === 0) return candidate;
  }
  throw new Error('Python 3 was not found: install Python 3.11 or later, or set PYTHON');
}

function setupVenv() {
  const spec = JSON.parse(readFileSync(join(root, 'tools', 'python-tools.json'), 'utf8'));
  const needMoto = !onPath('moto_server');
  const wanted = [...spec.tools, ...(needMoto ? [spec.moto] : [])];
  const stampPath = join(toolsDir, 'venv.stamp');
  const stamp = digest(wanted);
  if (readStamp(stampPath) === stamp && existsSync(join(venvBin, 'uv')) && existsSync(join(venvBin, 'poetry'))) {
    log('Python tools are up to date');
    return;
  }
  log(`creating ${venv} with ${wanted.join(' ')}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(toolsDir, { recursive: true });
  run(python(), ['-m', 'venv', venv]);
  run(join(venvBin, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...wanted]);
  writeFileSync(stampPath, `${stamp}\n`);
  log(`installed: ${run(join(venvBin, 'uv'), ['--version']).trim()}, ${run(join(venvBin, 'poetry'), ['--version']).trim()}`);
}

/** The pinned pip and uv wheel for this host, exactly the files (and hashes) packages/build pins. */
function installerWheels() {
  const pinned = JSON.parse(readFileSync(join(root, 'packages', 'build', 'pinned-installers.json'), 'utf8'));
  const musl = process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime;
  const host = `${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
  return [
    { name: 'pip', version: pinned.pip.version, ...pinned.pip.wheels.any },
    ...(pinned.uv.wheels[host] ? [{ name: 'uv', version: pinned.uv.version, ...pinned.uv.wheels[host] }] : []),
  ];
}

function fetchInstallerWheels(pip) {
  for (const wheel of installerWheels()) {
    const path = join(wheelsDir, wheel.file);
    if (!existsSync(path)) {
      // The file's own first platform tag selects exactly it (uv publishes several wheels per machine).
      const platform = wheel.file
        .replace(/\.whl$/, '')
        .split('-')
        .pop()
        .split('.')[0];
      log(`fetching ${wheel.file}`);
      run(pip[0], [
        ...pip.slice(1),
        '--only-binary=:all:',
        ...(platform === 'any' ? [] : ['--platform', platform]),
        `${wheel.name}==${wheel.version}`,
      ]);
    }
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sha256 !== wheel.sha256) throw new Error(`${wheel.file} has sha256 ${sha256}, not the pinned ${wheel.sha256}`);
  }
}

function fetchWheels() {
  const spec = JSON.parse(readFileSync(join(root, 'tools', 'testing', 'wheels.json'), 'utf8'));
  const stampPath = join(wheelsDir, '.stamp');
  const stamp = digest({ spec, installers: installerWheels() });
  if (readStamp(stampPath) === stamp) {
    log(`wheel cache is up to date (${readdirSync(wheelsDir).length - 1} files)`);
    return;
  }
  mkdirSync(wheelsDir, { recursive: true });
  const pip = [join(venvBin, 'python'), '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '-d', wheelsDir];
  for (const pythonVersion of spec.pythonVersions) {
    log(`fetching wheels for Python ${pythonVersion} (${spec.platforms.join(', ')})`);
    const binaries = (platformArgs) =>
      run(pip[0], [
        ...pip.slice(1),
        '--only-binary=:all:',
        '--implementation',
        'cp',
        '--python-version',
        pythonVersion,
        ...platformArgs,
        ...spec.requirements,
      ]);
    binaries(spec.platforms.flatMap((platform) => ['--platform', platform]));
    // Each platform once more on its own: pip picks one wheel per requirement, and we want the binary wheel of every architecture.
    for (const platform of spec.platforms.filter((p) => p.startsWith('manylinux2014'))) binaries(['--platform', platform]);
  }
  if (spec.sdists.length) {
    log(`fetching sdists: ${spec.sdists.join(' ')}`);
    run(pip[0], [...pip.slice(1), '--no-binary=:all:', ...spec.sdists]);
  }
  fetchInstallerWheels(pip);
  writeFileSync(stampPath, `${stamp}\n`);
  log(`wheel cache ready: ${readdirSync(wheelsDir).length - 1} files in ${wheelsDir}`);
}

try {
  setupVenv();
  fetchWheels();
} catch (error) {
  process.stderr.write(`[setup-tools] error: ${error.message}\n`);
  process.exit(1);
}
// Print the bin folder for scripts that want to put the tools on PATH.
if (process.argv.includes('--print-bin')) process.stdout.write(`${venvBin}\n`);
