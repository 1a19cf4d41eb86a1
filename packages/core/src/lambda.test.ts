import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { cpythonTag, parseArchitecture, parsePythonVersion, targetGlibc, wheelMachine } from './lambda.js';

describe('Lambda targets', () => {
  it('knows the glibc of each Python runtime', () => {
    expect(targetGlibc('3.11')).toEqual({ major: 2, minor: 17 });
    expect(targetGlibc('3.12')).toEqual({ major: 2, minor: 34 });
    expect(targetGlibc('3.9')).toEqual({ major: 2, minor: 17 });
  });

  it('names tags and machines', () => {
    expect(cpythonTag('3.12')).toBe('cp312');
    expect(wheelMachine('arm64')).toBe('aarch64');
    expect(wheelMachine('x86_64')).toBe('x86_64');
  });

  it('parses versions and architectures, with one-line errors', () => {
    expect(parsePythonVersion('python3.12')).toBe('3.12');
    expect(parsePythonVersion(3.11)).toBe('3.11');
    expect(parseArchitecture('aarch64')).toBe('arm64');
    expect(() => parsePythonVersion('2.7')).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => parseArchitecture('ppc64le')).toThrow('unsupported architecture "ppc64le"');
  });
});
