/**
 * `layer --help` must start fast: at most 150 ms over bare `node -e 0` (the
 * floor any Node CLI pays), and under 300 ms in all. The AWS SDK and the step
 * packages load lazily. Also compared with the AWS CLI's `aws --version`, the
 * tool a user already has.
 */
import { spawnSync } from 'node:child_process';
import { layerBin } from '@lambda-layer/testing';
import { median } from './lib/measure.js';

const RUNS = 15;
const TARGET_MS = 300;
const TARGET_OVER_NODE_MS = 150;

function once(command: string, args: string[]): number | undefined {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: 'ignore' });
  if (result.error || result.status !== 0) return undefined;
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// Interleaved rounds (layer, node, … then the next round), so a change in machine load hits all alike:
// the target is a difference of two timings.
const commands = {
  layer: [process.execPath, [layerBin, '--help']],
  publishHelp: [process.execPath, [layerBin, 'publish', '--help']],
  nodeFloor: [process.execPath, ['-e', '0']],
  aws: ['aws', ['--version']],
} as const;
const samples: Record<keyof typeof commands, number[]> = { layer: [], publishHelp: [], nodeFloor: [], aws: [] };
const failed = new Set<keyof typeof commands>();
for (let round = 0; round < RUNS; round += 1) {
  for (const [name, [command, args]] of Object.entries(commands) as Array<[keyof typeof commands, readonly [string, readonly string[]]]>) {
    if (failed.has(name)) continue;
    const ms = once(command, [...args]);
    if (ms === undefined) failed.add(name);
    else samples[name].push(ms);
  }
}
const result = (name: keyof typeof commands) => (failed.has(name) ? undefined : median(samples[name]));
const layer = result('layer');
const publishHelp = result('publishHelp');
const nodeFloor = result('nodeFloor');
const aws = result('aws');
if (layer === undefined) throw new Error('layer --help failed: run `npm run build` first');

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms.toFixed(0)} ms`);
console.log(`median of ${RUNS} runs`);
console.log(`  layer --help          ${fmt(layer)}  (target < ${TARGET_MS} ms: ${layer < TARGET_MS ? 'met' : 'MISSED'})`);
console.log(`  layer publish --help  ${fmt(publishHelp)}`);
const own = layer - (nodeFloor ?? 0);
console.log(
  `  node -e 0             ${fmt(nodeFloor)}  (layer's own cost: ${fmt(own)}; target ≤ ${TARGET_OVER_NODE_MS} ms: ${own <= TARGET_OVER_NODE_MS ? 'met' : 'MISSED'})`,
);
console.log(`  aws --version         ${fmt(aws)}${aws ? `  (layer is ${(aws / layer).toFixed(1)}x faster)` : ''}`);
if (layer >= TARGET_MS || own > TARGET_OVER_NODE_MS) process.exitCode = 1;
