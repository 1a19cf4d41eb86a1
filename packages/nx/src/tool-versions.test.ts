import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, toolsBin } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { toolVersionLines } from './tool-versions.js';

const pinned = (name: string) => {
  const spec = (JSON.parse(readFileSync(join(repoRoot, 'tools', 'python-tools.json'), 'utf8')) as { tools: string[] }).tools;
  return spec.find((entry) => entry.startsWith(`${name}==`))!.split('==')[1];
};

describe('the tool versions runtime input', () => {
  it("prints each program a tool's build runs, versions only (no paths, so another machine hashes the same)", async () => {
    expect(await toolVersionLines(['uv'])).toEqual([`uv ${pinned('uv')}`]);
    const poetry = await toolVersionLines(['poetry']);
    expect(poetry).toEqual([`poetry ${pinned('poetry')}`]);
    // pip and uv as installers are pinned by @lambda-layer/build (its version is an input already): a pip build reads no host tool.
    expect(await toolVersionLines(['pip'])).toEqual([]);
    for (const line of [...poetry, ...(await toolVersionLines(['pip', 'uv']))]) expect(line).not.toMatch(/[/\\]/);
  });

  it('says "not found" for a missing tool instead of failing (the build reports it properly)', async () => {
    expect(await toolVersionLines(['uv', 'poetry'], { PATH: join(toolsBin, 'does-not-exist') })).toEqual(['poetry not found', 'uv not found']);
  });

  it('runs as the script the runtime input names, exit 0 and one line per program', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'packages', 'nx', 'dist', 'tool-versions.js'), 'uv'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`uv ${pinned('uv')}\n`);
  });
});
