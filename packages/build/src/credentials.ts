import { type Installer, networkSecrets, type NetworkSettings, PROXY_VARIABLES } from '@lambda-layer/core';
import { type IndexCredentials, pipIndexEnv, poetryIndexEnv, uvIndexEnv } from './index-credentials.js';
import { Redactor } from './redact.js';
import type { ChildEnv } from './run-tool.js';

/** Index settings of the user's environment, per installer: indexes (and logins for them) besides the one a run names. */
const INDEX_VARIABLES = {
  uv: /^UV_(DEFAULT_INDEX|INDEX_URL|INDEX|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX|INDEX_.+_(USERNAME|PASSWORD))$/,
  pip: /^PIP_(INDEX_URL|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX)$/,
} as const;

/**
 * The child environment of an installer: the private index and its
 * credentials as the tool's own variables, so no secret is ever in argv or a
 * file. With `exclusive`, the index settings of the user's environment go
 * first, so the installer reads exactly the index it is given (a lock's own,
 * or the wheel filter in front of it).
 */
export function installerEnv(installer: Installer, credentials: IndexCredentials, base: ChildEnv, options: { exclusive?: boolean } = {}): ChildEnv {
  const kept = options.exclusive ? Object.fromEntries(Object.entries(base).filter(([name]) => !INDEX_VARIABLES[installer].test(name))) : base;
  const env: ChildEnv = { ...kept, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', UV_PYTHON_DOWNLOADS: 'never' };
  if (installer === 'pip') Object.assign(env, pipIndexEnv(credentials));
  else Object.assign(env, uvIndexEnv(credentials));
  return env;
}

/** uv's argv for the index: its URL and name only (the credentials go through `installerEnv`). */
export function uvIndexArgs(credentials: IndexCredentials): string[] {
  if (credentials.indexUrl && credentials.indexName) return ['--default-index', `${credentials.indexName}=${credentials.indexUrl}`];
  return [];
}

/** Poetry's own variables, for `poetry` commands that may reach the index. */
export function poetryEnv(credentials: IndexCredentials, base: ChildEnv): ChildEnv {
  return { ...base, ...poetryIndexEnv(credentials), POETRY_NO_INTERACTION: '1' };
}

/** Masks the index password, the proxy password (and any URL userinfo) in everything the build prints or raises. */
export function redactorFor(credentials: IndexCredentials, network?: NetworkSettings): Redactor {
  return new Redactor([credentials.password, ...networkSecrets(network)]);
}

const PROXIES = new Set<string>([...PROXY_VARIABLES.https, ...PROXY_VARIABLES.http]);
const NO_PROXY = new Set<string>(PROXY_VARIABLES.noProxy);

/**
 * The variable names (never values) a container gets with `-e NAME`: the
 * index, and the proxy with its NO_PROXY when one is set, whose values may
 * hold credentials.
 */
export function credentialVariableNames(env: ChildEnv): string[] {
  const proxied = Object.keys(env).some((name) => PROXIES.has(name) && env[name]);
  return Object.keys(env).filter(
    (name) =>
      env[name] !== undefined && (/^PIP_(EXTRA_)?INDEX_URL$|^PIP_TRUSTED_HOST$/.test(name) || (proxied && (PROXIES.has(name) || NO_PROXY.has(name)))),
  );
}
