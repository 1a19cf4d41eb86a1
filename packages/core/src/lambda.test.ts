import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { parseArchitecture, parsePythonVersion } from './lambda.js';

describe('Lambda targets', () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Deprecated runtimes"): python3.8 deprecated 2024-10-14.
  it('parses versions and architectures, with one-line errors', () => {
    expect(parsePythonVersion('python3.12')).toBe('3.12');
    expect(parsePythonVersion(3.11)).toBe('3.11');
    expect(parsePythonVersion('3.10')).toBe('3.10');
    expect(parseArchitecture('aarch64')).toBe('arm64');
    expect(() => parsePythonVersion('2.7')).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => parsePythonVersion('3.8')).toThrow('python3.8 is no longer a Lambda runtime (deprecated on 2024-10-14)');
    expect(() => parseArchitecture('ppc64le')).toThrow('unsupported architecture "ppc64le"');
  });
});
