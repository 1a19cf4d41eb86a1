import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, toolsBin } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { poetryContentHash, pythonJsonDumps } from './poetry-content-hash.js';
import { parsePoetryLock } from './poetry-lock.js';
import { parseToml } from './toml.js';

/** The oracle: Poetry's own Locker computes the hash of a pyproject.toml. */
async function poetryHash(pyprojectText: string): Promise<string> {
  const script = [
    'import sys, tomllib',
    'from pathlib import Path',
    'from poetry.packages.locker import Locker',
    'print(Locker(Path("/nonexistent/poetry.lock"), tomllib.loads(sys.stdin.read()))._get_content_hash())',
  ].join('\n');
  const result = await run(join(toolsBin, 'python'), ['-c', script], { input: pyprojectText });
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

const PYPROJECTS: Record<string, string> = {
  'PEP 621 with groups, sources and odd values': `
[project]
name = "odd"
requires-python = ">=3.11"
dependencies = ["requests==2.32.3", "naïve-pkg>=1.0 ; python_version < '3.13'"]
[project.optional-dependencies]
feature = ["pyyaml==6.0.2"]
[dependency-groups]
test = ["pytest"]
[tool.poetry]
package-mode = false
[tool.poetry.dependencies]
requests = { source = "internal", extras = ["socks"], version = "*" }
[[tool.poetry.source]]
name = "internal"
url = "https://pkgs.example.com/simple/"
priority = 1
weight = 0.5
big = 1e20
tiny = 1.5e-7
flag = true
emoji = "🐍 \\t tab"
`,
  'legacy [tool.poetry] only': `
[tool.poetry]
name = "legacy"
version = "1.0"
[tool.poetry.dependencies]
python = "^3.11"
six = "^1.16"
[tool.poetry.group.dev.dependencies]
pytest = "*"
`,
  'no relevant content at all': '[tool.other]\nx = 1\n',
};

describe('poetryContentHash equals the hash Poetry computes', () => {
  it.each(Object.entries(PYPROJECTS))('%s', async (_name, text) => {
    expect(poetryContentHash(parseToml(text, 'pyproject.toml', ''))).toBe(await poetryHash(text));
  });

  it('matches the content-hash of examples/poetry-app/poetry.lock', async () => {
    const dir = join(repoRoot, 'examples', 'poetry-app');
    const lock = parsePoetryLock(await readFile(join(dir, 'poetry.lock'), 'utf8'));
    expect(poetryContentHash(parseToml(await readFile(join(dir, 'pyproject.toml'), 'utf8'), 'pyproject.toml', ''))).toBe(lock.contentHash);
  });

  it('prints JSON exactly like Python (separators, key order, escapes, ints vs floats)', async () => {
    const value = { b: [1n, 1.0, 0.1, 1e-5, 1e16, true, null], a: { é: 'x\u007f"\n😀' } };
    const result = await run(join(toolsBin, 'python'), [
      '-c',
      'import json; print(json.dumps({"b": [1, 1.0, 0.1, 1e-5, 1e16, True, None], "a": {"é": "x\\x7f\\"\\n😀"}}, sort_keys=True))',
    ]);
    expect(pythonJsonDumps(value)).toBe(result.stdout.trim());
  });
});
