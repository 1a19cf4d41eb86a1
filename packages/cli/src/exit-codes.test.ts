import { readFileSync } from 'node:fs';
import { type ErrorCode, ErrorCodes, LayerError } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from './runner.js';

/** The exit column of core's error table (packages/core/README.md), per code. */
function documentedExitCodes(): Map<string, string> {
  const readme = readFileSync(new URL('../../core/README.md', import.meta.url), 'utf8');
  return new Map(
    [...readme.matchAll(/^\| `(E_[A-Z0-9_]+)` \| .+? \| (.+?) \| .+? \| .+? \|$/gm)].map((match) => [match[1] as string, match[2] as string]),
  );
}

describe('exit codes', () => {
  it('are what core README.md documents for every error code', () => {
    const documented = documentedExitCodes();
    expect(documented.size).toBe(Object.keys(ErrorCodes).length);
    for (const [code, exit] of documented) {
      const error = (signal?: string) => new LayerError(code as ErrorCode, 'x', signal ? { details: { signal } } : {});
      const actual =
        code === ErrorCodes.INTERRUPTED ? `${exitCodeFor(error('SIGINT'))} / ${exitCodeFor(error('SIGTERM'))}` : String(exitCodeFor(error()));
      expect(`${code} ${actual}`).toBe(`${code} ${exit}`);
    }
  });
});
