/**
 * Typed errors with stable codes. Every failure a user can cause or fix is a
 * `LayerError`: one line saying what is wrong and how to fix it. The CLI
 * prints `message` (and `hint`) without a stack trace unless `--debug`.
 *
 * The codes are a closed set, documented one row each (meaning, exit code,
 * which step throws it, what the user does) in packages/core/README.md;
 * error-codes.test.ts fails when a code has no row, no throw or no test.
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
  /** Several manifests (requirements.txt, poetry.lock, uv.lock) in the project and no --tool to choose. */
  TOOL_AMBIGUOUS: 'E_TOOL_AMBIGUOUS',
  // build
  TOOL_NOT_INSTALLED: 'E_TOOL_NOT_INSTALLED',
  BUILD_FAILED: 'E_BUILD_FAILED',
  NATIVE_SDIST_ONLY: 'E_NATIVE_SDIST_ONLY',
  /** The package index did not answer (connection refused, unknown host, timeout). */
  INDEX_UNREACHABLE: 'E_INDEX_UNREACHABLE',
  /** The private package index refused the login, or asked for one (HTTP 401 / 403). */
  INDEX_AUTH_FAILED: 'E_INDEX_AUTH_FAILED',
  /** A pinned package or version does not exist on the index. */
  PACKAGE_NOT_FOUND: 'E_PACKAGE_NOT_FOUND',
  /** The version exists, but none of its wheels loads on the target runtime (glibc, machine, Python). */
  NO_COMPATIBLE_WHEEL: 'E_NO_COMPATIBLE_WHEEL',
  /** The project's (pyproject.toml's or the lock's) or a package's requires-python leaves out the target Python. */
  PYTHON_VERSION_EXCLUDED: 'E_PYTHON_VERSION_EXCLUDED',
  /** uv.lock or poetry.lock no longer matches pyproject.toml's dependencies: lock again. */
  LOCK_OUTDATED: 'E_LOCK_OUTDATED',
  PLATFORM_MISMATCH: 'E_PLATFORM_MISMATCH',
  BUILD_DIR_NOT_CLEARED: 'E_BUILD_DIR_NOT_CLEARED',
  CONTAINER_FAILED: 'E_CONTAINER_FAILED',
  // lock files read directly (poetry.lock, uv.lock)
  LOCK_INVALID: 'E_LOCK_INVALID',
  /** A lock the build cannot install from: a local path or source-only dependency, an unknown format version. */
  LOCK_UNSUPPORTED: 'E_LOCK_UNSUPPORTED',
  // package
  ARTIFACTS_NOT_FOUND: 'E_ARTIFACTS_NOT_FOUND',
  LAYER_TOO_LARGE: 'E_LAYER_TOO_LARGE',
  SYMLINK_OUTSIDE_TREE: 'E_SYMLINK_OUTSIDE_TREE',
  /** A symlink in artifacts/python/ points nowhere, or to one of its own parent folders (a loop). */
  SYMLINK_BROKEN: 'E_SYMLINK_BROKEN',
  /** A file under artifacts/python/ changed while `layer package` read it. */
  ARTIFACTS_CHANGED: 'E_ARTIFACTS_CHANGED',
  /** A Poetry virtualenv build left more than one site-packages (several Python versions). */
  SITE_PACKAGES_AMBIGUOUS: 'E_SITE_PACKAGES_AMBIGUOUS',
  // upload and publish
  LAYER_ZIP_NOT_FOUND: 'E_LAYER_ZIP_NOT_FOUND',
  LAYER_ZIP_INCONSISTENT: 'E_LAYER_ZIP_INCONSISTENT',
  /** PublishLayerVersion answered without a version number. */
  PUBLISH_FAILED: 'E_PUBLISH_FAILED',
  PUBLISH_LOCKED: 'E_PUBLISH_LOCKED',
  /** A layer version the S3 layout cannot name (outside 000001–999999). */
  LAYER_VERSION_UNSUPPORTED: 'E_LAYER_VERSION_UNSUPPORTED',
  // AWS
  AWS_CREDENTIALS_MISSING: 'E_AWS_CREDENTIALS_MISSING',
  AWS_ACCESS_DENIED: 'E_AWS_ACCESS_DENIED',
  AWS_BUCKET_NOT_FOUND: 'E_AWS_BUCKET_NOT_FOUND',
  AWS_THROTTLED: 'E_AWS_THROTTLED',
  AWS_REQUEST_FAILED: 'E_AWS_REQUEST_FAILED',
  // the command line, signals and local trust (issue 11, part A)
  USAGE: 'E_USAGE',
  INTERRUPTED: 'E_INTERRUPTED',
  PROJECT_DIR_NOT_FOUND: 'E_PROJECT_DIR_NOT_FOUND',
  AWS_PROFILE_NOT_FOUND: 'E_AWS_PROFILE_NOT_FOUND',
  ARTIFACTS_UNVERIFIED: 'E_ARTIFACTS_UNVERIFIED',
  LAYER_ZIP_UNVERIFIED: 'E_LAYER_ZIP_UNVERIFIED',
  SPECIAL_FILE: 'E_SPECIAL_FILE',
  REQUIREMENTS_INCLUDE: 'E_REQUIREMENTS_INCLUDE',
  REQUIREMENTS_EMPTY: 'E_REQUIREMENTS_EMPTY',
  // what the operating system refused (system-errors.ts)
  PERMISSION_DENIED: 'E_PERMISSION_DENIED',
  DISK_FULL: 'E_DISK_FULL',
  NOT_A_FILE: 'E_NOT_A_FILE',
  NOT_A_FOLDER: 'E_NOT_A_FOLDER',
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND',
  TOO_MANY_OPEN_FILES: 'E_TOO_MANY_OPEN_FILES',
  READ_ONLY_FILE_SYSTEM: 'E_READ_ONLY_FILE_SYSTEM',
  FILE_NAME_NOT_UTF8: 'E_FILE_NAME_NOT_UTF8',
  SYSTEM_ERROR: 'E_SYSTEM_ERROR',
  // AWS and the network, as the SDK reports them after its retries (remote faults)
  AWS_SERVER_ERROR: 'E_AWS_SERVER_ERROR',
  AWS_WRONG_REGION: 'E_AWS_WRONG_REGION',
  AWS_UNREACHABLE: 'E_AWS_UNREACHABLE',
  AWS_CONNECTION_RESET: 'E_AWS_CONNECTION_RESET',
  AWS_DNS_FAILED: 'E_AWS_DNS_FAILED',
  AWS_TLS_FAILED: 'E_AWS_TLS_FAILED',
  AWS_TIMEOUT: 'E_AWS_TIMEOUT',
  PUBLISH_LOCK_LOST: 'E_PUBLISH_LOCK_LOST',
  // enterprise networks and accounts: proxies, private CAs, bucket ownership (issue 17)
  /** The CA bundle (--ca-bundle, AWS_CA_BUNDLE, a profile's ca_bundle) is missing or holds no certificate. */
  CA_BUNDLE_INVALID: 'E_CA_BUNDLE_INVALID',
  /** An HTTP(S) proxy refused the request (407 Proxy Authentication Required, 403, 502) or could not be reached. */
  AWS_PROXY_FAILED: 'E_AWS_PROXY_FAILED',
  /** S3 refused a request whose bucket is not owned by the --expected-bucket-owner account. */
  AWS_BUCKET_OWNER_MISMATCH: 'E_AWS_BUCKET_OWNER_MISMATCH',
  // result outputs for later CI steps (--output-file, publish-result.json, $GITHUB_OUTPUT)
  RESULT_NOT_WRITTEN: 'E_RESULT_NOT_WRITTEN',
  // lifecycle: several regions, sharing, retention (issue 16)
  /** A multi-region run failed in some regions; the others are done and named. */
  REGIONS_FAILED: 'E_REGIONS_FAILED',
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
  /**
   * What the command did achieve before it failed (a layer version published
   * before its clean-up failed, the regions that succeeded): the CLI still
   * hands it to later CI steps and prints it with the error.
   */
  result?: unknown;
}

export class LayerError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;
  readonly result: unknown;

  constructor(code: ErrorCode, message: string, options: LayerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LayerError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
    this.result = options.result;
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
