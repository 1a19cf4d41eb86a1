/**
 * Private package index credentials, and the variables by which pip, Poetry
 * and uv read them. The password is only ever handed to a child process
 * through its environment: never argv, never a file in the project tree,
 * never a log line (see redact.ts).
 */

export interface IndexCredentials {
  /** The index URL, without credentials, e.g. https://pkgs.example.com/simple/ */
  indexUrl?: string;
  /** The index name Poetry and uv know it by (pyproject's source / index name). */
  indexName?: string;
  username?: string;
  password?: string;
}

type Env = Record<string, string | undefined>;

/** Upper-cases a Poetry/uv index name the way both tools build their variable names. */
export function indexEnvName(indexName: string): string {
  return indexName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Reads credentials from the environment: `LAYER_INDEX_USERNAME` and
 * `LAYER_INDEX_PASSWORD` first, then the tools' own variables for the named index.
 */
export function credentialsFromEnv(options: { indexUrl?: string; indexName?: string }, env: Env = process.env): IndexCredentials {
  const name = options.indexName ? indexEnvName(options.indexName) : undefined;
  const username = env.LAYER_INDEX_USERNAME ?? (name ? (env[`UV_INDEX_${name}_USERNAME`] ?? env[`POETRY_HTTP_BASIC_${name}_USERNAME`]) : undefined);
  const password = env.LAYER_INDEX_PASSWORD ?? (name ? (env[`UV_INDEX_${name}_PASSWORD`] ?? env[`POETRY_HTTP_BASIC_${name}_PASSWORD`]) : undefined);
  return {
    ...(options.indexUrl ? { indexUrl: options.indexUrl } : {}),
    ...(options.indexName ? { indexName: options.indexName } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

/** The index URL with `user:password@` in it, the form pip reads from PIP_INDEX_URL. */
export function indexUrlWithCredentials(credentials: IndexCredentials): string | undefined {
  if (!credentials.indexUrl) return undefined;
  if (!credentials.username && !credentials.password) return credentials.indexUrl;
  const url = new URL(credentials.indexUrl);
  url.username = encodeURIComponent(credentials.username ?? '');
  url.password = encodeURIComponent(credentials.password ?? '');
  return url.toString();
}

/** The index URL without any credentials, whatever form it came in (as the build stamp records it). */
export function indexUrlWithoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Environment for pip: the index (with credentials) in PIP_INDEX_URL, never in argv. */
export function pipIndexEnv(credentials: IndexCredentials): Env {
  const url = indexUrlWithCredentials(credentials);
  return url ? { PIP_INDEX_URL: url } : {};
}

/** Environment for Poetry: POETRY_HTTP_BASIC_{NAME}_USERNAME/PASSWORD. */
export function poetryIndexEnv(credentials: IndexCredentials): Env {
  if (!credentials.indexName) return {};
  const name = indexEnvName(credentials.indexName);
  return {
    ...(credentials.username ? { [`POETRY_HTTP_BASIC_${name}_USERNAME`]: credentials.username } : {}),
    ...(credentials.password ? { [`POETRY_HTTP_BASIC_${name}_PASSWORD`]: credentials.password } : {}),
  };
}

/** Environment for uv: UV_INDEX_{NAME}_USERNAME/PASSWORD, or UV_INDEX_URL with credentials when the index has no name. */
export function uvIndexEnv(credentials: IndexCredentials): Env {
  if (credentials.indexName) {
    const name = indexEnvName(credentials.indexName);
    return {
      ...(credentials.username ? { [`UV_INDEX_${name}_USERNAME`]: credentials.username } : {}),
      ...(credentials.password ? { [`UV_INDEX_${name}_PASSWORD`]: credentials.password } : {}),
    };
  }
  const url = indexUrlWithCredentials(credentials);
  return url ? { UV_DEFAULT_INDEX: url } : {};
}
