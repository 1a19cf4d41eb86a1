import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import { awsCall } from './aws-call.js';

const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('awsCall', () => {
  it('passes results through and maps SDK errors to one-line LayerErrors', async () => {
    expect(await awsCall('do a thing', async () => 42)).toBe(42);
    const error = await awsCall('read s3://b/k', async () => {
      throw sdkError('AccessDenied', 403);
    }).catch((e: unknown) => e as LayerError);
    expect(error).toBeInstanceOf(LayerError);
    expect(error.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(error.oneLine).toContain('access denied while trying to read s3://b/k');
  });
});
