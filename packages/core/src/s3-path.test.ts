import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { S3Path } from './s3-path.js';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    return error as { code: string; oneLine: string };
  }
  throw new Error('expected an error');
}

describe('S3Path', () => {
  it('parses a folder URI and joins below it', () => {
    const dir = S3Path.parse('s3://my-bucket/app/lambda/');
    expect(dir.bucket).toBe('my-bucket');
    expect(dir.key).toBe('app/lambda/');
    expect(dir.isDir).toBe(true);
    const zip = dir.join('layer', 'layer.zip');
    expect(zip.uri).toBe('s3://my-bucket/app/lambda/layer/layer.zip');
    expect(zip.isObject).toBe(true);
    expect(zip.basename).toBe('layer.zip');
    expect(zip.parent.uri).toBe('s3://my-bucket/app/lambda/layer/');
    expect(dir.join('layer/').isDir).toBe(true);
  });

  it('treats a bucket alone as the root folder', () => {
    const root = S3Path.parse('s3://my-bucket');
    expect(root.isDir).toBe(true);
    expect(root.uri).toBe('s3://my-bucket/');
    expect(root.join('a.zip').key).toBe('a.zip');
  });

  it('parseDir adds the missing trailing slash of a folder', () => {
    expect(S3Path.parseDir('s3://my-bucket/app/lambda').uri).toBe('s3://my-bucket/app/lambda/');
  });

  it('builds console URLs for folders and objects', () => {
    expect(S3Path.parse('s3://b-1/app/').consoleUrl('eu-west-1')).toBe(
      'https://console.aws.amazon.com/s3/buckets/b-1?region=eu-west-1&prefix=app%2F&showversions=false',
    );
    expect(S3Path.parse('s3://b-1/app/layer.zip').consoleUrl()).toBe('https://console.aws.amazon.com/s3/object/b-1?prefix=app%2Flayer.zip');
  });

  it('refuses to join below an object', () => {
    expect(errorOf(() => S3Path.parse('s3://b-1/a.zip').join('x')).code).toBe(ErrorCodes.INVALID_S3_URI);
  });

  it.each([
    ['', 'it is empty'],
    ['http://bucket/key', 'it must start with s3://'],
    ['bucket/key', 'it must start with s3://'],
    ['s3://', 'the bucket name is missing'],
    ['s3:///key', 'the bucket name is missing'],
    ['s3://My_Bucket/key', 'is not a valid bucket name'],
    ['s3://ab/key', 'is not a valid bucket name'],
    ['s3://bucket//key', 'must not start with "/"'],
    ['s3://bucket/a//key', 'must not contain "//"'],
  ])('rejects %j with a one-line error', (uri, why) => {
    const error = errorOf(() => S3Path.parse(uri));
    expect(error.code).toBe(ErrorCodes.INVALID_S3_URI);
    expect(error.oneLine).toContain(why);
    expect(error.oneLine).toContain('use the form s3://bucket/prefix/');
    expect(error.oneLine).not.toContain('\n');
  });
});
