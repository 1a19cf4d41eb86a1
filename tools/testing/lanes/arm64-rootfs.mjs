#!/usr/bin/env node
// Prepares the arm64 lane (`npm run test:arm64`): qemu-user-static and
// debootstrap (installed with apt when missing, as root), and one Debian arm64
// root filesystem per suite in arm64-suites.json, cached OUTSIDE the repo in
// $LAYER_ARM64_ROOTFS or ~/.cache/lambda-layer-tests/arm64/<suite>.
//
// Each is `debootstrap --arch=arm64 --variant=minbase --foreign --include=python3.X`
// (download and first stage, ~25 s), then every downloaded .deb unpacked on the
// host with dpkg-deb (~7 s): debootstrap's second stage would run the maintainer
// scripts under qemu and take over 20 minutes, and nothing here needs them.
// A root filesystem is built in a .partial folder and renamed into place once
// its Python runs under qemu, so an interrupted run leaves nothing half-made in use.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { suites } = JSON.parse(readFileSync(join(here, 'arm64-suites.json'), 'utf8'));
const root = process.env.LAYER_ARM64_ROOTFS ?? join(homedir(), '.cache', 'lambda-layer-tests', 'arm64');
const mirror = process.env.LAYER_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const log = (line) => process.stderr.write(`[arm64-rootfs] ${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  }
  return result.stdout;
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

function ensureHostTools() {
  const missing = [
    ['qemu-aarch64-static', 'qemu-user-static'],
    ['debootstrap', 'debootstrap'],
    ['dpkg-deb', 'dpkg'],
  ].filter(([command]) => !has(command));
  if (!missing.length) return;
  const packages = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0 || !has('apt-get')) throw new Error(`install ${packages.join(' ')} first (apt-get install ${packages.join(' ')})`);
  log(`installing ${packages.join(' ')} with apt-get`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...packages], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The Python of a root filesystem, run under qemu: the check that it is usable. */
function rootfsPython(rootfs, python) {
  return { command: 'qemu-aarch64-static', args: ['-L', rootfs, join(rootfs, 'usr', 'bin', `python${python}`)] };
}

function prepare({ suite, python }) {
  const target = join(root, suite);
  if (existsSync(join(target, '.complete'))) {
    log(`${suite} (python${python}): ready in ${target}`);
    return;
  }
  const started = Date.now();
  const partial = join(root, `.partial-${suite}`);
  rmSync(partial, { recursive: true, force: true });
  rmSync(target, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  // debootstrap knows the suites up to its own release; a newer one (forky) uses sid's script.
  const script = existsSync(`/usr/share/debootstrap/scripts/${suite}`)
    ? `/usr/share/debootstrap/scripts/${suite}`
    : '/usr/share/debootstrap/scripts/sid';
  log(`${suite}: debootstrap --arch=arm64 --variant=minbase --foreign --include=python${python} from ${mirror}`);
  run('debootstrap', ['--arch=arm64', '--variant=minbase', '--foreign', `--include=python${python}`, suite, partial, mirror, script]);
  const archives = join(partial, 'var', 'cache', 'apt', 'archives');
  const debs = readdirSync(archives).filter((name) => name.endsWith('.deb'));
  log(`${suite}: unpacking ${debs.length} packages on the host`);
  for (const deb of debs) {
    // --keep-directory-symlink: /lib, /bin … are symlinks into /usr (merged /usr) and must stay so.
    run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"', 'sh', join(archives, deb), partial]);
  }
  rmSync(archives, { recursive: true, force: true });
  const { command, args } = rootfsPython(partial, python);
  const version = run(command, [...args, '-S', '-c', 'import sys, ssl, ctypes; print("%d.%d" % sys.version_info[:2])'], {
    env: { ...process.env, QEMU_CPU: 'neoverse-n1' },
  }).trim();
  if (version !== python) throw new Error(`${suite}: its python${python} says it is ${version}`);
  writeFileSync(join(partial, '.complete'), `${suite} python${python} ${new Date().toISOString()}\n`);
  renameSync(partial, target);
  log(`${suite} (python${python}): ready in ${target} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

try {
  ensureHostTools();
  for (const suite of suites) prepare(suite);
} catch (error) {
  log(`error: ${error.message}`);
  process.exit(1);
}
