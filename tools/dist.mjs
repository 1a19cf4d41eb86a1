#!/usr/bin/env node
// The packages' build output, made and checked so that a tarball never ships a stale file.
// `tsc -b` never deletes the output of a deleted or renamed source, so dist/ can hold
// JavaScript nothing builds any more, and `npm pack` would ship it.
//
//   node tools/dist.mjs clean-build   remove every packages/*/dist, then `tsc -b tsconfig.json`
//                                     (npm run build:clean; the release and the consumer lane run it)
//   node tools/dist.mjs check [DIR]   refuse (exit 1) a package whose dist/ holds an output of no
//                                     source in src/ (each package's `prepack`; DIR defaults to cwd)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// What tsc writes for src/x.ts, and what it copies as it is (a JSON schema the Nx plugin ships).
const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

function filesBelow(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The files of `dist` (a package's dist/, or a tarball's) that no file of `src` accounts for. */
export function staleOutputs(dist, src) {
  if (!existsSync(dist)) return [];
  const sources = new Set(filesBelow(src));
  return filesBelow(dist).filter((file) => {
    if (file === '.tsbuildinfo') return false;
    const source = OUTPUT.test(file) ? file.replace(OUTPUT, '.ts') : file;
    return !sources.has(source);
  });
}

function cleanBuild() {
  for (const name of readdirSync(join(root, 'packages'))) rmSync(join(root, 'packages', name, 'dist'), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

function check(packageDir) {
  const stale = staleOutputs(join(packageDir, 'dist'), join(packageDir, 'src'));
  if (stale.length === 0) return 0;
  const name = relative(root, packageDir) || packageDir;
  console.error(
    `error: ${name}/dist holds ${stale.length} file(s) no source builds any more (${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}); ` +
      'run `npm run build:clean` at the repository root, then pack again',
  );
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command === 'clean-build') process.exit(cleanBuild());
  else if (command === 'check') process.exit(check(dir ?? process.cwd()));
  else {
    console.error('usage: node tools/dist.mjs clean-build | check [PACKAGE_DIR]');
    process.exit(2);
  }
}
