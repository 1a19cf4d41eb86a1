/**
 * `layer --help` must start fast (target < 300 ms): the AWS SDK and the step
 * packages load lazily. Compared in one run with bare `node -e ""` (the floor
 * any Node CLI pays) and with the AWS CLI's `aws --version`, the tool a user
 * already has.
 */
import { spawnSync } from 'node:child_process';
import { layerBin } from '../testing/paths.js';

const RUNS = 15;
const TARGET_MS = 300;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function time(command: string, args: string[]): number | undefined {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: 'ignore' });
    if (result.error || result.status !== 0) return undefined;
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

const layer = time(process.execPath, [layerBin, '--help']);
const publishHelp = time(process.execPath, [layerBin, 'publish', '--help']);
const nodeFloor = time(process.execPath, ['-e', '']);
const aws = time('aws', ['--version']);
if (layer === undefined) throw new Error('layer --help failed: run `npm run build` first');

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms.toFixed(0)} ms`);
console.log(`median of ${RUNS} runs`);
console.log(`  layer --help          ${fmt(layer)}  (target < ${TARGET_MS} ms: ${layer < TARGET_MS ? 'met' : 'MISSED'})`);
console.log(`  layer publish --help  ${fmt(publishHelp)}`);
console.log(`  node -e ""            ${fmt(nodeFloor)}  (layer's own cost: ${fmt(layer - (nodeFloor ?? 0))})`);
console.log(`  aws --version         ${fmt(aws)}${aws ? `  (layer is ${(aws / layer).toFixed(1)}x faster)` : ''}`);
if (layer >= TARGET_MS) process.exitCode = 1;
