import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCodes, LayerError } from './errors.js';

/**
 * Settings in `[tool.lambda-layer]` of pyproject.toml. Keys are the CLI's long
 * flag names; a `--no-x` flag is the key `x = false`.
 */
export const CONFIG_SCHEMA = {
  'layer-name': { type: 'string', description: 'Lambda layer name (or ARN)' },
  s3dir: { type: 'string', description: 'S3 folder URI for the layer artifacts, e.g. s3://bucket/app/lambda/' },
  tool: { type: 'string', description: 'dependency tool: pip, poetry or uv' },
  'python-version': { type: 'string', description: 'target Lambda Python version, e.g. 3.12' },
  architecture: { type: 'string', description: 'target architecture: x86_64 or arm64' },
  container: { type: 'boolean', description: 'build inside the SAM build image (needs Docker)' },
  'index-url': { type: 'string', description: 'private package index URL (credentials come from the environment)' },
  'index-name': { type: 'string', description: 'name of the private index in pyproject (Poetry source / uv index)' },
  ignore: { type: 'string[]', description: 'extra glob patterns to leave out of layer.zip' },
  'default-ignore': { type: 'boolean', description: 'leave out boto3, botocore, pip, pytest, … (default true)' },
  'keep-bytecode': { type: 'boolean', description: 'keep __pycache__ and .pyc files' },
  'compression-level': { type: 'integer', description: 'deflate level 0-9' },
  description: { type: 'string', description: 'layer version description' },
  'compatible-runtime': { type: 'string[]', description: 'compatible runtimes, e.g. python3.12' },
  'compatible-architecture': { type: 'string[]', description: 'compatible architectures: x86_64, arm64' },
  'license-info': { type: 'string', description: 'layer license info' },
  force: { type: 'boolean', description: 'redo the step even when nothing changed' },
  yes: { type: 'boolean', description: 'do not ask before clearing the build folder' },
  profile: { type: 'string', description: 'AWS profile' },
  region: { type: 'string', description: 'AWS region' },
} as const satisfies Record<string, { type: ConfigValueType; description: string }>;

export type ConfigValueType = 'string' | 'string[]' | 'boolean' | 'integer';
export type ConfigKey = keyof typeof CONFIG_SCHEMA;
type ValueOf<T extends ConfigValueType> = T extends 'string' ? string : T extends 'string[]' ? string[] : T extends 'boolean' ? boolean : number;
export type ConfigValues = { [K in ConfigKey]?: ValueOf<(typeof CONFIG_SCHEMA)[K]['type']> };
export type ConfigSource = 'flag' | 'env' | 'pyproject' | 'default';

export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];
const CONFIG_SECTION = 'tool.lambda-layer';

/** The environment variable of a key: `s3dir` -> LAYER_S3DIR, `layer-name` -> LAYER_LAYER_NAME. */
export function configEnvName(key: ConfigKey): string {
  return `LAYER_${key.toUpperCase().replace(/-/g, '_')}`;
}

function isConfigKey(key: string): key is ConfigKey {
  return Object.prototype.hasOwnProperty.call(CONFIG_SCHEMA, key);
}

function invalidValue(key: string, where: string, expected: string, value: unknown): LayerError {
  return new LayerError(ErrorCodes.CONFIG_INVALID_VALUE, `${key} in ${where} must be ${expected}, got ${JSON.stringify(value)}`, {
    hint: `fix ${key} in ${where}`,
    details: { key, where },
  });
}

/** Checks and normalises one value against the schema; strings from the environment are parsed. */
function coerce(key: ConfigKey, value: unknown, where: string, fromText: boolean): unknown {
  const type = CONFIG_SCHEMA[key].type as ConfigValueType;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && !fromText) return String(value); // python-version = 3.12 in TOML is a float
      throw invalidValue(key, where, 'a string', value);
    case 'string[]':
      if (fromText && typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw invalidValue(key, where, 'a list of strings', value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (fromText && typeof value === 'string') {
        if (/^(1|true|yes|on)$/i.test(value)) return true;
        if (/^(0|false|no|off|)$/i.test(value)) return false;
      }
      throw invalidValue(key, where, 'true or false', value);
    case 'integer': {
      const n = fromText && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isInteger(n)) return n;
      throw invalidValue(key, where, 'a whole number', value);
    }
  }
}

export interface PyprojectConfig {
  path: string;
  exists: boolean;
  /** The parsed pyproject.toml (empty when it does not exist). */
  document: Record<string, unknown>;
  /** The checked `[tool.lambda-layer]` values. */
  values: ConfigValues;
}

/**
 * Reads `[tool.lambda-layer]` from `{projectDir}/pyproject.toml`. Invalid TOML,
 * an unknown key or a value of the wrong type is a one-line error naming the
 * file; a missing file is an error only when `required`.
 */
export async function loadPyprojectConfig(projectDir: string, options: { required?: boolean } = {}): Promise<PyprojectConfig> {
  const path = join(resolve(projectDir), 'pyproject.toml');
  let text: string;
  try {
    // Synchronous on purpose: one small file, and the Nx plugin reads hundreds of them, where
    // fs/promises' file-handle round trips cost ~10x the read itself.
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      if (options.required) {
        throw new LayerError(ErrorCodes.PYPROJECT_NOT_FOUND, `pyproject.toml not found in ${resolve(projectDir)}`, {
          hint: 'run in the folder holding pyproject.toml or pass --project-dir',
        });
      }
      return { path, exists: false, document: {}, values: {} };
    }
    throw error;
  }

  // Loaded on first use: `layer --help` and everything that imports core for its types and paths skip the TOML parser.
  const { parse: parseToml, TomlError } = await import('smol-toml');
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : '';
    const reason = ((error as Error).message ?? '').split('\n')[0];
    throw new LayerError(ErrorCodes.PYPROJECT_INVALID_TOML, `${path} is not valid TOML${where}: ${reason}`, {
      hint: 'fix the syntax of pyproject.toml',
      cause: error,
    });
  }

  const tool = document.tool as Record<string, unknown> | undefined;
  const section = tool?.['lambda-layer'];
  const values: ConfigValues = {};
  if (section !== undefined) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      throw invalidValue(`[${CONFIG_SECTION}]`, path, 'a table', section);
    }
    for (const [key, value] of Object.entries(section)) {
      if (!isConfigKey(key)) {
        throw new LayerError(ErrorCodes.CONFIG_UNKNOWN_KEY, `unknown key "${key}" in [${CONFIG_SECTION}] of ${path}`, {
          hint: `remove it or use one of: ${CONFIG_KEYS.join(', ')}`,
          details: { key, file: path },
        });
      }
      (values as Record<string, unknown>)[key] = coerce(key, value, `[${CONFIG_SECTION}] of ${path}`, false);
    }
  }
  return { path, exists: true, document, values };
}

export interface ResolveConfigInput {
  projectDir: string;
  /** Values given as CLI flags (or function options); `undefined` means not given. */
  flags?: Partial<Record<ConfigKey, unknown>>;
  env?: Record<string, string | undefined>;
  defaults?: ConfigValues;
  /** Fail when pyproject.toml is missing. */
  requirePyproject?: boolean;
}

export interface ResolvedConfig {
  values: ConfigValues;
  sources: Partial<Record<ConfigKey, ConfigSource>>;
  pyproject: PyprojectConfig;
}

/** Merges settings with the precedence flag > environment > pyproject > default. */
export async function resolveConfig(input: ResolveConfigInput): Promise<ResolvedConfig> {
  const pyproject = await loadPyprojectConfig(input.projectDir, { required: input.requirePyproject ?? false });
  const env = input.env ?? process.env;
  const values: ConfigValues = {};
  const sources: Partial<Record<ConfigKey, ConfigSource>> = {};
  const set = (key: ConfigKey, value: unknown, source: ConfigSource) => {
    (values as Record<string, unknown>)[key] = value;
    sources[key] = source;
  };

  for (const key of CONFIG_KEYS) {
    const flag = input.flags?.[key];
    const envName = configEnvName(key);
    const envValue = env[envName];
    if (flag !== undefined && !(Array.isArray(flag) && flag.length === 0)) set(key, coerce(key, flag, `--${key}`, false), 'flag');
    else if (envValue !== undefined && envValue !== '') set(key, coerce(key, envValue, envName, true), 'env');
    else if (pyproject.values[key] !== undefined) set(key, pyproject.values[key], 'pyproject');
    else if (input.defaults?.[key] !== undefined) set(key, input.defaults[key], 'default');
  }
  return { values, sources, pyproject };
}

/** Reads a required setting or fails naming the flag, the variable and the pyproject key. */
export function requireConfigValue<K extends ConfigKey>(config: ResolvedConfig, key: K): NonNullable<ConfigValues[K]> {
  const value = config.values[key];
  if (value === undefined || value === '') {
    throw new LayerError(ErrorCodes.CONFIG_MISSING_VALUE, `missing setting ${key}`, {
      hint: `pass --${key}, set ${configEnvName(key)}, or add ${key} = "…" to [${CONFIG_SECTION}] in pyproject.toml`,
      details: { key },
    });
  }
  return value as NonNullable<ConfigValues[K]>;
}
