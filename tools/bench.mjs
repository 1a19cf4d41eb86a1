#!/usr/bin/env node
// `npm run bench`: runs every benchmark beside the code (packages/*/bench/*.bench.ts
// and tools/bench/*.bench.ts) one after another — never in parallel, so they do not
// skew each other on a 2-core machine — and prints each one's ratios against the
// external tool it replaces. `npm run bench -- upload` runs only the benchmarks whose name
// (the file name without .bench.ts) contains "upload"; the folders are not matched, since
// every path under packages/ contains "package".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const filters = process.argv.slice(2);
const files = [];
for (const dir of [join(root, 'tools', 'bench'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'bench'))]) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) if (name.endsWith('.bench.ts')) files.push(join(dir, name));
}
const selected = files.filter((file) => filters.length === 0 || filters.some((f) => basename(file, '.bench.ts').includes(f)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ')}; have: ${files.map((f) => relative(root, f)).join(', ')}`);
  process.exit(1);
}
let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${relative(root, file)}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
