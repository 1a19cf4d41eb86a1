/**
 * The error codes are a closed, documented set: the table in
 * packages/core/README.md and `ErrorCodes` list the same codes, each code is
 * thrown somewhere in packages/*\/src and asserted by at least one test, and
 * every interruption is made by interruptedError(). A static check over the
 * sources: a code added without a throw, a test or a row fails here by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = dirname(coreDir);
const repoDir = dirname(packagesDir);
const THIS_FILE = relative(repoDir, fileURLToPath(import.meta.url));

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const sources = readdirSync(packagesDir).flatMap((name) => {
  try {
    return tsFiles(join(packagesDir, name, 'src'));
  } catch {
    return [];
  }
});
const isTestFile = (path: string) => /\.test\.ts$|\.fixture\.ts$|[/\\]__fixtures__[/\\]/.test(path);
const read = (path: string) => ({ path: relative(repoDir, path), text: readFileSync(path, 'utf8') });
const codeFiles = sources.filter((path) => !isTestFile(path) && !path.endsWith(join('core', 'src', 'errors.ts'))).map(read);
const testFiles = [...sources.filter(isTestFile), ...tsFiles(join(repoDir, 'tools'))]
  .filter((path) => path.endsWith('.test.ts'))
  .map(read)
  .filter((file) => file.path !== THIS_FILE);

/** The rows of the README's error table: code, meaning, exit, thrown by, what the user does. */
function documentedCodes(): Map<string, { meaning: string; exit: string; thrownBy: string; fix: string }> {
  const readme = readFileSync(join(coreDir, 'README.md'), 'utf8');
  const rows = new Map<string, { meaning: string; exit: string; thrownBy: string; fix: string }>();
  for (const match of readme.matchAll(/^\| `(E_[A-Z0-9_]+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$/gm)) {
    const [, code, meaning, exit, thrownBy, fix] = match as unknown as [string, string, string, string, string, string];
    expect(rows.has(code), `${code} has two rows in the README`).toBe(false);
    rows.set(code, { meaning, exit, thrownBy, fix });
  }
  return rows;
}

const names = Object.keys(ErrorCodes) as Array<keyof typeof ErrorCodes>;

describe('the error codes', () => {
  it('are each documented in packages/core/README.md, and the table lists no other', () => {
    const documented = documentedCodes();
    const codes = Object.values(ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...documented.keys()].sort()).toEqual([...codes].sort());
    for (const [code, row] of documented) {
      expect(row.exit, code).toMatch(/^(1|2|130 \/ 143)$/);
      for (const cell of [row.meaning, row.thrownBy, row.fix]) expect(cell.trim(), code).not.toBe('');
    }
    // Each name says its code: ErrorCodes.LOCK_OUTDATED is E_LOCK_OUTDATED.
    for (const name of names) expect(ErrorCodes[name]).toBe(`E_${name}`);
  });

  it('are each thrown somewhere in packages/*/src (a comparison alone does not count)', () => {
    const used = (name: string) =>
      codeFiles.some((file) =>
        new RegExp(`\\bErrorCodes\\.${name}\\b`).exec(
          file.text.replace(new RegExp(`[!=]==\\s*ErrorCodes\\.${name}\\b|ErrorCodes\\.${name}\\s*[!=]==`, 'g'), ''),
        ),
      );
    expect(names.filter((name) => !used(name))).toEqual([]);
  });

  it('are each asserted by at least one test', () => {
    const asserted = (name: string) => testFiles.some((file) => new RegExp(`\\bErrorCodes\\.${name}\\b|\\bE_${name}\\b`).test(file.text));
    expect(names.filter((name) => !asserted(name))).toEqual([]);
  });

  it('E_INTERRUPTED is made only by interruptedError()', () => {
    const byHand = codeFiles
      .filter((file) => /new LayerError\(\s*ErrorCodes\.INTERRUPTED\b|awsError\(\s*ErrorCodes\.INTERRUPTED\b/.test(file.text))
      .map((file) => file.path);
    expect(byHand).toEqual([join('packages', 'core', 'src', 'interrupt.ts')]);
  });
});
