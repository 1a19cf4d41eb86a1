import { ErrorCodes, LAMBDA_RUNTIMES, LayerError, S3Path } from '@lambda-layer/core';
import { testLambdaClient, testS3Client } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { type PublishLayerVersionOptions, validateArchitectures, validateLayerName, validatePublishOptions, validateRuntimes } from './options.js';

const base: PublishLayerVersionOptions = {
  projectDir: '/tmp/project',
  tool: 'uv',
  layerName: 'my-deps',
  s3dir: 's3://bucket/app/lambda',
  s3Client: testS3Client(),
  lambdaClient: testLambdaClient(),
};

function errorOf(run: () => unknown): LayerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LayerError);
    return error as LayerError;
  }
  throw new Error('expected a LayerError');
}

describe('validatePublishOptions', () => {
  it('normalises good options: s3dir as a folder, layout under layer/', () => {
    const options = validatePublishOptions({
      ...base,
      description: 'x',
      compatibleRuntimes: ['python3.12', 'python3.12'],
      compatibleArchitectures: ['arm64'],
    });
    expect(options.layout.layerZip.uri).toBe('s3://bucket/app/lambda/layer/layer.zip');
    expect(options.layout.manifestForVersion(7).uri).toBe('s3://bucket/app/lambda/layer/000007/uv.lock');
    expect(options.compatibleRuntimes).toEqual(['python3.12']);
    expect(options.compatibleArchitectures).toEqual(['arm64']);
    // A dead run's lock expires within a minute (renewed every 20 s while its run lives).
    expect(options.lock).toEqual({ staleAfterMs: 60_000, heartbeatMs: 20_000, waitMs: 600_000, pollMs: 2_000 });
    expect(options).toMatchObject({ force: false, forceUnlock: false, signal: undefined });
  });

  it('accepts an S3Path and a layer ARN', () => {
    const options = validatePublishOptions({
      ...base,
      s3dir: S3Path.parseDir('s3://bucket/x/'),
      layerName: 'arn:aws:lambda:us-east-1:123456789012:layer:my-deps',
    });
    expect(options.layout.s3dir.uri).toBe('s3://bucket/x/');
    expect(options.layerName).toBe('arn:aws:lambda:us-east-1:123456789012:layer:my-deps');
  });

  it.each([
    [{ layerName: '' }, 'the layer name is missing; pass --layer-name NAME'],
    [{ layerName: 'my deps' }, 'invalid layer name "my deps"; use only letters, digits, "-" and "_" in --layer-name'],
    [{ layerName: 'a'.repeat(141) }, "the layer name is 141 characters long, more than Lambda's 140; use a shorter --layer-name"],
    [{ layerName: 'arn:aws:lambda:us-east-1:12:layer:x' }, 'invalid layer ARN'],
    [{ s3dir: '' }, 'the S3 folder is missing'],
    [{ s3dir: 's3://Bad_Bucket/x/' }, 'is not a valid bucket name'],
    [
      { description: 'd'.repeat(257) },
      "--description is 257 characters long, more than Lambda's 256; shorten --description to at most 256 characters",
    ],
    [{ licenseInfo: 'l'.repeat(513) }, "--license-info is 513 characters long, more than Lambda's 512"],
    [{ compatibleRuntimes: ['python3.12', 'python4'] }, 'unknown Lambda runtime "python4" in --compatible-runtime'],
    [{ compatibleRuntimes: LAMBDA_RUNTIMES.slice(0, 16) }, "16 compatible runtimes given, more than Lambda's 15"],
    [{ compatibleArchitectures: ['x86_64', 'amd64'] }, 'unknown architecture "amd64" in --compatible-architecture; use x86_64 and/or arm64'],
    [{ tool: 'conda' as never }, 'unknown build tool "conda"'],
    [{ projectDir: '' }, 'projectDir is missing'],
    [{ s3Client: undefined }, 's3Client is missing'],
    [{ lambdaClient: {} as never }, 'lambdaClient is missing'],
  ] as Array<[Partial<PublishLayerVersionOptions>, string]>)('rejects %j in one line', (bad, message) => {
    const error = errorOf(() => validatePublishOptions({ ...base, ...bad }));
    expect(error.oneLine).toContain(message);
    expect(error.oneLine).not.toContain('\n');
    expect([ErrorCodes.INVALID_OPTION, ErrorCodes.INVALID_S3_URI, ErrorCodes.UNKNOWN_TOOL]).toContain(error.code);
  });

  it('accepts the limits exactly', () => {
    expect(validateLayerName('a'.repeat(140))).toHaveLength(140);
    expect(validateRuntimes(LAMBDA_RUNTIMES.slice(0, 15) as unknown as string[])).toHaveLength(15);
    expect(validateArchitectures(['x86_64', 'arm64'])).toEqual(['x86_64', 'arm64']);
    const options = validatePublishOptions({ ...base, description: 'd'.repeat(256), licenseInfo: 'l'.repeat(512) });
    expect(options.description).toHaveLength(256);
    expect(options.licenseInfo).toHaveLength(512);
  });

  it('treats empty lists and empty text as not given', () => {
    const options = validatePublishOptions({ ...base, compatibleRuntimes: [], compatibleArchitectures: [], description: '' });
    expect(options.compatibleRuntimes).toBeUndefined();
    expect(options.compatibleArchitectures).toBeUndefined();
    expect(options.description).toBeUndefined();
  });
});
