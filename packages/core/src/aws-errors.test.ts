import { describe, expect, it } from 'vitest';
import { toLayerErrorFromAws } from './aws-errors.js';
import { ErrorCodes, LayerError } from './errors.js';

const sdkError = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('AWS errors', () => {
  it.each([
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), ErrorCodes.AWS_CREDENTIALS_MISSING],
    [sdkError('AccessDenied', 403), ErrorCodes.AWS_ACCESS_DENIED],
    [sdkError('NoSuchBucket', 404), ErrorCodes.AWS_BUCKET_NOT_FOUND],
    [sdkError('ThrottlingException', 400), ErrorCodes.AWS_THROTTLED],
    [sdkError('SlowDown', 503), ErrorCodes.AWS_THROTTLED],
    [sdkError('InternalError', 500), ErrorCodes.AWS_REQUEST_FAILED],
  ])('maps %s to a one-line error', (error, code) => {
    const mapped = toLayerErrorFromAws(error, 'read s3://b/layer/layer.zip');
    expect(mapped.code).toBe(code);
    expect(mapped.oneLine).toContain('read s3://b/layer/layer.zip');
    expect(mapped.oneLine).not.toContain('\n');
    expect(mapped.hint).toBeTruthy();
  });

  it('passes a LayerError through', () => {
    const error = new LayerError(ErrorCodes.INVALID_OPTION, 'x');
    expect(toLayerErrorFromAws(error, 'y')).toBe(error);
  });
});
