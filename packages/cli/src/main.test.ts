import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonOutput, runLayer, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const temp = useTempDir('cli-main-');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('layer (the bin)', () => {
  it('lists the five commands and the global flags in --help', async () => {
    const result = await runLayer(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['build', 'package', 'upload', 'publish', 'workflow', 'prune'])
      expect(result.stdout).toMatch(new RegExp(`layer ${command}\\s`));
    for (const flag of ['--project-dir', '--json', '--quiet', '--debug', '--profile', '--region', '--endpoint-url'])
      expect(result.stdout).toContain(flag);
  });

  it.each([
    ['build', ['--tool', '--python-version', '--architecture', '--container', '--index-url', '--index-name', '--yes']],
    ['package', ['--ignore', '--default-ignore', '--keep-bytecode', '--compression-level']],
    ['upload', ['--s3dir', '--force']],
    ['publish', ['--layer-name', '--s3dir', '--description', '--compatible-runtime', '--compatible-architecture', '--license-info']],
    [
      'workflow',
      ['--layer-name', '--s3dir', '--tool', '--python-version', '--ignore', '--force', '--dry-run', '--share-with-org', '--keep-versions'],
    ],
    ['prune', ['--layer-name', '--s3dir', '--keep-versions', '--delete-manifests', '--dry-run']],
  ])('shows the flags of `layer %s --help`', async (command, flags) => {
    const result = await runLayer([command, '--help']);
    expect(result.code).toBe(0);
    for (const flag of flags) expect(result.stdout).toContain(flag);
  });

  it.each([
    ['publish', ['--dry-run', '--share-with-account', '--share-with-org', '--public', '--keep-versions', '--delete-manifests', '--region']],
    ['prune', ['--keep-versions', '--dry-run', '--delete-manifests', '--region']],
    ['upload', ['--dry-run', '--region']],
  ])('`layer %s --help` shows an example of each lifecycle flag', async (command, flags) => {
    const result = await runLayer([command, '--help']);
    const examples = result.stdout.split('Examples:')[1] ?? '';
    for (const flag of flags) expect(examples, flag).toContain(flag);
  });

  it('prints its version', async () => {
    const result = await runLayer(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('exits 2 on a usage error, with one line and no stack trace', async () => {
    for (const args of [[], ['deploy'], ['publish', '--no-such-flag']]) {
      const result = await runLayer(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^error: .+; run `layer --help` for usage\n$/m);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 1 with a one-line error for a malformed pyproject.toml, and a stack trace only with --debug', async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[tool.lambda-layer]\nlayer_name = "typo"\n');
    const plain = await runLayer(['publish', '--project-dir', temp.path]);
    expect(plain.code).toBe(1);
    // The line names the file and lists the known keys (layer-name among them), not a message built from the output itself.
    const known = /; remove it or use one of: (.+)$/.exec(plain.stderr.trim())?.[1]?.split(', ') ?? [];
    expect(plain.stderr.trim()).toMatch(
      new RegExp(
        `^error: unknown key "layer_name" in \\[tool\\.lambda-layer\\] of ${escapeRegExp(join(temp.path, 'pyproject.toml'))}; remove it or use one of: `,
      ),
    );
    expect(known).toEqual(expect.arrayContaining(['layer-name', 's3dir', 'tool', 'python-version', 'architecture']));
    expect(
      known.every((key) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(key)),
      known.join(', '),
    ).toBe(true);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);

    const debug = await runLayer(['publish', '--project-dir', temp.path, '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('with --json writes exactly one JSON object to stdout, also on failure', async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[tool.lambda-layer\n');
    const result = await runLayer(['upload', '--project-dir', temp.path, '--json']);
    expect(result.code).toBe(1);
    const output = parseJsonOutput<{ status: string; error: { code: string; message: string } }>(result);
    expect(output.status).toBe('error');
    expect(output.error.code).toBe('E_PYPROJECT_INVALID_TOML');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });
});
