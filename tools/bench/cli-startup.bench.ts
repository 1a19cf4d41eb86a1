/**
 * `layer --help` must start fast: at most 150 ms over bare `node -e 0` (the
 * floor any Node CLI pays), and under 300 ms in all. The AWS SDK and the step
 * packages load lazily. Also compared with the AWS CLI's `aws --version`, the
 * tool a user already has.
 */
import { spawnSync } from 'node:child_process';
import { layerBin } from '../testing/paths.js';
import { median } from './lib/measure.js';

const RUNS = 15;
const TARGET_MS = 300;
const TARGET_OVER_NODE_MS = 150;


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
const nodeFloor = time(process.execPath, ['-e', '0']);
const aws = time('aws', ['--version']);
if (layer === undefined) throw new Error('layer --help failed: run `npm run build` first');

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms.toFixed(0)} ms`);
console.log(`median of ${RUNS} runs`);
console.log(`  layer --help          ${fmt(layer)}  (target < ${TARGET_MS} ms: ${layer < TARGET_MS ? 'met' : 'MISSED'})`);
console.log(`  layer publish --help  ${fmt(publishHelp)}`);
const own = layer - (nodeFloor ?? 0);
console.log(`  node -e 0             ${fmt(nodeFloor)}  (layer's own cost: ${fmt(own)}; target ≤ ${TARGET_OVER_NODE_MS} ms: ${own <= TARGET_OVER_NODE_MS ? 'met' : 'MISSED'})`);
console.log(`  aws --version         ${fmt(aws)}${aws ? `  (layer is ${(aws / layer).toFixed(1)}x faster)` : ''}`);
if (layer >= TARGET_MS || own > TARGET_OVER_NODE_MS) process.exitCode = 1;
