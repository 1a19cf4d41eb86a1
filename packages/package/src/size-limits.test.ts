import { createMemoryLogger } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import type { ScannedEntry } from './scan-tree.js';
import { checkUnzippedSize, DEFAULT_SIZE_LIMITS, largestTopLevel, warnIfZipLarge } from './size-limits.js';

const file = (relPath: string, size: number): ScannedEntry => ({
  name: `python/${relPath}`,
  relPath,
  directory: false,
  size,
  executable: false,
  source: relPath,
});

describe('size limits', () => {
  it('sums sizes per top-level entry, largest first', () => {
    const entries = [file('numpy/a.so', 10), file('numpy/b.py', 5), file('six.py', 20), file('pandas/x.so', 12)];
    expect(largestTopLevel(entries, 2)).toEqual([
      { name: 'six.py', bytes: 20 },
      { name: 'numpy', bytes: 15 },
    ]);
  });

  it("passes at exactly Lambda's limit and fails one byte over it", () => {
    const limit = DEFAULT_SIZE_LIMITS.unzippedBytes;
    expect(limit).toBe(262_144_000);
    expect(() => checkUnzippedSize([file('big.so', limit)], limit)).not.toThrow();
    expect(() => checkUnzippedSize([file('big.so', limit + 1)], limit + 1)).toThrow(
      /262,144,001 bytes unzipped, over Lambda's limit of 262,144,000 bytes.*big\.so 250\.0 MiB/,
    );
  });

  it('warns only over the 50 MB direct-upload limit', () => {
    const logger = createMemoryLogger();
    expect(warnIfZipLarge(52_428_800, logger)).toBe(false);
    expect(warnIfZipLarge(52_428_801, logger)).toBe(true);
    expect(logger.lines).toHaveLength(1);
  });
});
