import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPRESSION_LEVEL, validatePackageOptions } from './options.js';

describe('validatePackageOptions', () => {
  it('fills the defaults: default ignore on, bytecode dropped, level 6, Lambda limits', () => {
    const options = validatePackageOptions({ projectDir: '/p' });
    expect(options).toMatchObject({
      ignore: [],
      defaultIgnore: true,
      keepBytecode: false,
      compressionLevel: DEFAULT_COMPRESSION_LEVEL,
      force: false,
    });
    expect(options.limits).toEqual({ unzippedBytes: 262_144_000, zipWarnBytes: 52_428_800 });
    expect(DEFAULT_COMPRESSION_LEVEL).toBe(6);
  });

  it.each([-1, 10, 2.5, Number.NaN])('rejects compression level %s in one line', (level) => {
    expect(() => validatePackageOptions({ projectDir: '/p', compressionLevel: level })).toThrow(
      /compression level must be a whole number from 0 to 9/,
    );
  });

  it('rejects an empty ignore pattern', () => {
    expect(() => validatePackageOptions({ projectDir: '/p', ignore: [' '] })).toThrow(/non-empty globs/);
  });
});
