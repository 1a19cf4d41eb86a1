/**
 * Typed errors with stable codes. Every failure a user can cause or fix is a
 * `LayerError`: one line saying what is wrong and how to fix it. The CLI
 * prints `message` (and `hint`) without a stack trace unless `--debug`.
 */

export const ErrorCodes = {
  // input and configuration
  INVALID_S3_URI: 'E_INVALID_S3_URI',
  UNKNOWN_TOOL: 'E_UNKNOWN_TOOL',
  PYPROJECT_NOT_FOUND: 'E_PYPROJECT_NOT_FOUND',
  PYPROJECT_INVALID_TOML: 'E_PYPROJECT_INVALID_TOML',
  CONFIG_UNKNOWN_KEY: 'E_CONFIG_UNKNOWN_KEY',
  CONFIG_INVALID_VALUE: 'E_CONFIG_INVALID_VALUE',
  CONFIG_MISSING_VALUE: 'E_CONFIG_MISSING_VALUE',
  INVALID_OPTION: 'E_INVALID_OPTION',
  MANIFEST_NOT_FOUND: 'E_MANIFEST_NOT_FOUND',
  STEP_NOT_AVAILABLE: 'E_STEP_NOT_AVAILABLE',
  // build
  TOOL_NOT_INSTALLED: 'E_TOOL_NOT_INSTALLED',
  BUILD_FAILED: 'E_BUILD_FAILED',
  NATIVE_SDIST_ONLY: 'E_NATIVE_SDIST_ONLY',
  PLATFORM_MISMATCH: 'E_PLATFORM_MISMATCH',
  BUILD_DIR_NOT_CLEARED: 'E_BUILD_DIR_NOT_CLEARED',
  CONTAINER_FAILED: 'E_CONTAINER_FAILED',
  // lock files read directly (poetry.lock, uv.lock)
  LOCK_INVALID: 'E_LOCK_INVALID',
  LOCK_STALE: 'E_LOCK_STALE',
  LOCK_UNSUPPORTED: 'E_LOCK_UNSUPPORTED',
  PYTHON_EXCLUDED: 'E_PYTHON_EXCLUDED',
  // package
  ARTIFACTS_NOT_FOUND: 'E_ARTIFACTS_NOT_FOUND',
  LAYER_TOO_LARGE: 'E_LAYER_TOO_LARGE',
  SYMLINK_OUTSIDE_TREE: 'E_SYMLINK_OUTSIDE_TREE',
  PACKAGE_FAILED: 'E_PACKAGE_FAILED',
  // upload and publish
  LAYER_ZIP_NOT_FOUND: 'E_LAYER_ZIP_NOT_FOUND',
  LAYER_ZIP_INCONSISTENT: 'E_LAYER_ZIP_INCONSISTENT',
  UPLOAD_FAILED: 'E_UPLOAD_FAILED',
  PUBLISH_FAILED: 'E_PUBLISH_FAILED',
  PUBLISH_LOCKED: 'E_PUBLISH_LOCKED',
  // AWS
  AWS_CREDENTIALS_MISSING: 'E_AWS_CREDENTIALS_MISSING',
  AWS_ACCESS_DENIED: 'E_AWS_ACCESS_DENIED',
  AWS_BUCKET_NOT_FOUND: 'E_AWS_BUCKET_NOT_FOUND',
  AWS_THROTTLED: 'E_AWS_THROTTLED',
  AWS_REQUEST_FAILED: 'E_AWS_REQUEST_FAILED',
  // anything else
  INTERNAL: 'E_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface LayerErrorOptions {
  /** How to fix it, one short sentence. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for `--json` output and tests (never secrets). */
  details?: Record<string, unknown>;
}

export class LayerError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LayerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LayerError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** The one line a user sees: what is wrong, then how to fix it. */
  get oneLine(): string {
    const line = this.hint ? `${this.message}; ${this.hint}` : this.message;
    return line.replace(/\s*\n\s*/g, ' ');
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
    };
  }
}

export function isLayerError(error: unknown): error is LayerError {
  return error instanceof LayerError;
}
