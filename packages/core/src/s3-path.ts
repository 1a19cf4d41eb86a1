import { ErrorCodes, LayerError } from './errors.js';

// AWS's bucket naming rules (general purpose buckets), checked locally so a
// typo fails before any request is made.
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function invalid(uri: string, why: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_S3_URI, `invalid S3 URI ${JSON.stringify(uri)}: ${why}`, {
    hint: 'use the form s3://bucket/prefix/ (a folder ends with "/")',
  });
}

/**
 * An S3 location: a bucket and a key. A key that is empty or ends with "/"
 * names a folder, anything else an object.
 */
export class S3Path {
  readonly bucket: string;
  readonly key: string;

  private constructor(bucket: string, key: string) {
    this.bucket = bucket;
    this.key = key;
  }

  static of(bucket: string, key = ''): S3Path {
    const uri = `s3://${bucket}/${key}`;
    if (!BUCKET_NAME.test(bucket)) throw invalid(uri, `"${bucket}" is not a valid bucket name`);
    if (key.startsWith('/')) throw invalid(uri, 'the key must not start with "/"');
    if (key.includes('//')) throw invalid(uri, 'the key must not contain "//"');
    return new S3Path(bucket, key);
  }

  /** Parses `s3://bucket/key`. */
  static parse(uri: string): S3Path {
    const given: unknown = uri; // JavaScript callers may pass anything
    if (typeof given !== 'string' || uri.trim() === '') throw invalid(String(given), 'it is empty');
    const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(uri.trim());
    if (!match) throw invalid(uri, 'it must start with s3://');
    const bucket = match[1] ?? '';
    if (bucket === '') throw invalid(uri, 'the bucket name is missing');
    return S3Path.of(bucket, match[2] ?? '');
  }

  /** Parses a folder URI; a missing trailing "/" is added, since `--s3dir` always names a folder. */
  static parseDir(uri: string): S3Path {
    const path = S3Path.parse(uri);
    return path.isDir ? path : new S3Path(path.bucket, `${path.key}/`);
  }

  get isDir(): boolean {
    return this.key === '' || this.key.endsWith('/');
  }

  get isObject(): boolean {
    return !this.isDir;
  }

  get uri(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  /** The file or folder name: the last part of the key. */
  get basename(): string {
    const parts = this.key.split('/').filter(Boolean);
    return parts[parts.length - 1] ?? '';
  }

  get parent(): S3Path {
    const parts = this.key.split('/').filter(Boolean);
    parts.pop();
    return new S3Path(this.bucket, parts.length ? `${parts.join('/')}/` : '');
  }

  /**
   * Joins parts below this folder. Each part may hold "/"; a trailing "/" on
   * the last part makes the result a folder.
   */
  join(...parts: string[]): S3Path {
    if (!this.isDir) throw invalid(this.uri, 'cannot join below an object; the path must end with "/"');
    const tail = parts
      .join('/')
      .replace(/\/{2,}/g, '/')
      .replace(/^\//, '');
    return S3Path.of(this.bucket, `${this.key}${tail}`);
  }

  /** The AWS console page of this folder or object. */
  consoleUrl(region?: string): string {
    const regionQuery = region ? `region=${encodeURIComponent(region)}&` : '';
    if (this.isDir) {
      return `https://console.aws.amazon.com/s3/buckets/${this.bucket}?${regionQuery}prefix=${encodeURIComponent(this.key)}&showversions=false`;
    }
    return `https://console.aws.amazon.com/s3/object/${this.bucket}?${regionQuery}prefix=${encodeURIComponent(this.key)}`;
  }

  equals(other: S3Path): boolean {
    return this.bucket === other.bucket && this.key === other.key;
  }

  toString(): string {
    return this.uri;
  }

  toJSON(): string {
    return this.uri;
  }
}
