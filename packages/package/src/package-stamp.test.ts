import { describe, expect, it } from 'vitest';
import { inputFingerprint } from './package-stamp.js';

const options = { ignore: [], defaultIgnore: true, keepBytecode: false, compressionLevel: 6 };

describe('inputFingerprint', () => {
  it('changes with every option that changes the zip, and only with those', () => {
    const base = inputFingerprint(options);
    expect(inputFingerprint({ ...options })).toBe(base);
    for (const changed of [{ compressionLevel: 9 }, { ignore: ['tests'] }, { keepBytecode: true }, { defaultIgnore: false }]) {
      expect(inputFingerprint({ ...options, ...changed })).not.toBe(base);
    }
  });
});
