/**
 * `npm run lint` and `npm run format:check` pass on clean code and fail on a
 * seeded violation. Each runs on a temporary copy (the repo's own package.json,
 * configs and one clean file of the harness, with the repo's node_modules
 * linked in), never on the tree, so a run proves the scripts and configs
 * as they are committed.
 */
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repoRoot, run, useTempDir } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const CONFIGS = [
  'package.json',
  'eslint.config.js',
  'tsconfig.base.json',
  'tsconfig.test.json',
  '.prettierrc.json',
  '.prettierignore',
  '.editorconfig',
];
/** A file both tools accept as committed: the harness's own file helpers. */
const SAMPLE = 'tools/testing/files.ts';

const temp = useTempDir('layer-lint-format-', { each: true });

async function copyOfRepo(sample: string): Promise<string> {
  const dir = temp.path;
  for (const file of CONFIGS) await copyFile(join(repoRoot, file), join(dir, file));
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await mkdir(dirname(join(dir, SAMPLE)), { recursive: true });
  await writeFile(join(dir, SAMPLE), sample);
  return dir;
}

const npmRun = (script: string, cwd: string) =>
  run('npm', ['run', '--silent', script], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });

let clean: string;
beforeAll(async () => {
  clean = await readFile(join(repoRoot, SAMPLE), 'utf8');
});

describe('npm run lint', () => {
  it('passes on a clean file', async () => {
    const result = await npmRun('lint', await copyOfRepo(clean));
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each([
    [
      'an import out of order',
      (text: string) =>
        text.replace("import { tmpdir } from 'node:os';\n", '').replace('import { mkdir', "import { tmpdir } from 'node:os';\nimport { mkdir"),
      'simple-import-sort/imports',
    ],
    [
      'an unhandled promise',
      (text: string) => `${text}\nexport function forget(): void {\n  void 0;\n  Promise.resolve(1).then(() => 2);\n}\n`,
      '@typescript-eslint/no-floating-promises',
    ],
    ['an explicit any', (text: string) => `${text}\nexport const loose: any = 1;\n`, '@typescript-eslint/no-explicit-any'],
  ])('fails on %s, naming the rule', async (_, seed, rule) => {
    const result = await npmRun('lint', await copyOfRepo(seed(clean)));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(rule);
    expect(result.stdout).toContain(SAMPLE);
  });
});

describe('npm run format:check', () => {
  it('passes on a clean file', async () => {
    const result = await npmRun('format:check', await copyOfRepo(clean));
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each([
    ['double quotes', (text: string) => `${text}\nexport const quoted = "double";\n`],
    [
      'a line over 150 characters',
      (text: string) => `${text}\nexport const long = [${Array.from({ length: 30 }, (_, i) => `'item-${i}'`).join(', ')}];\n`,
    ],
    [
      'a missing trailing comma',
      (text: string) =>
        `${text}\nexport const list = [\n  'first-item-of-a-list-that-is-written-one-per-line-by-hand-and-is-long-enough-to-wrap',\n  'second-item-of-the-same-list-that-still-needs-to-wrap-across-lines'\n];\n`,
    ],
  ])('fails on %s, naming the file', async (_, seed) => {
    const result = await npmRun('format:check', await copyOfRepo(seed(clean)));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(SAMPLE);
  });
});
