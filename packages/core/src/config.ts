import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_KEYS, type CONFIG_SCHEMA, configEnvName, type ConfigKey, configKeySpec, type ConfigValueType, isConfigKey } from './config-schema.js';
import type { ConfigNote } from './config-values.js';
import { ErrorCodes, LayerError } from './errors.js';
import { toLayerErrorFromSystem } from './system-errors.js';

type ValueOf<T extends ConfigValueType> = T extends 'string' ? string : T extends 'string[]' ? string[] : T extends 'boolean' ? boolean : number;
export type ConfigValues = { [K in ConfigKey]?: ValueOf<(typeof CONFIG_SCHEMA)[K]['type']> };
export type ConfigSource = 'flag' | 'env' | 'pyproject' | 'default';

const CONFIG_SECTION = 'tool.lambda-layer';

/** Where a value came from, for its error: the flag, the variable, or the file. */
interface ValueOrigin {
  source: Exclude<ConfigSource, 'default'>;
  /** "--tool", "LAYER_TOOL", or "[tool.lambda-layer] of /x/pyproject.toml". */
  where: string;
}

/**
 * A bad value from a flag or the environment is a usage error (exit 2: the
 * command line is wrong); one from pyproject.toml is a config error naming the file.
 */
function invalidValue(key: string, origin: ValueOrigin, problem: string, hint: string): LayerError {
  const fromFile = origin.source === 'pyproject';
  return new LayerError(
    fromFile ? ErrorCodes.CONFIG_INVALID_VALUE : ErrorCodes.USAGE,
    fromFile ? `invalid ${key} in ${origin.where}: ${problem}` : `invalid ${origin.where}: ${problem}`,
    { hint, details: { key, source: origin.source, where: origin.where } },
  );
}

function wrongType(key: string, origin: ValueOrigin, expected: string, value: unknown): LayerError {
  return invalidValue(
    key,
    origin,
    `must be ${expected}, got ${typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value)}`,
    `fix ${origin.source === 'pyproject' ? `${key} in ${origin.where}` : origin.where}`,
  );
}

/** Checks one value's type (strings from the environment are parsed), then its `parse` rule. */
function coerce(key: ConfigKey, value: unknown, origin: ValueOrigin, note: ConfigNote): unknown {
  const typed = coerceType(key, value, origin);
  const spec = configKeySpec(key);
  if (!spec.parse) return typed;
  try {
    return (spec.parse as (value: unknown, note: ConfigNote) => unknown)(typed, note);
  } catch (error) {
    if (!(error instanceof LayerError)) throw error;
    throw invalidValue(key, origin, error.message, error.hint ?? `fix ${origin.where}`);
  }
}

function coerceType(key: ConfigKey, value: unknown, origin: ValueOrigin): unknown {
  const fromText = origin.source === 'env';
  const spec = configKeySpec(key);
  switch (spec.type) {
    case 'string':
      if (typeof value === 'string') return value;
      // A key may read a TOML number as its text (python-version = 3.12).
      if (typeof value === 'number' && !fromText && spec.fromNumber) return spec.fromNumber(value, origin.where);
      throw wrongType(key, origin, 'a string', value);
    case 'string[]':
      if (fromText && typeof value === 'string')
        return value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw wrongType(key, origin, 'a list of strings', value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (fromText && typeof value === 'string') {
        if (/^(1|true|yes|on)$/i.test(value)) return true;
        if (/^(0|false|no|off|)$/i.test(value)) return false;
      }
      throw wrongType(key, origin, 'true or false', value);
    case 'integer': {
      const n = fromText && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isInteger(n)) return n;
      throw wrongType(key, origin, 'a whole number', value);
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
  /** Warnings about accepted values (e.g. an s3dir normalised), by key. */
  notes: Partial<Record<ConfigKey, string[]>>;
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
      return { path, exists: false, document: {}, values: {}, notes: {} };
    }
    throw toLayerErrorFromSystem(error, { path, doing: `read ${path}` }) ?? error;
  }

  // Loaded on first use: `layer --help` and everything that imports core for its types and paths skip the TOML parser.
  const { parse: parseToml, TomlError } = await import('smol-toml');
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : '';
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new LayerError(ErrorCodes.PYPROJECT_INVALID_TOML, `${path} is not valid TOML${where}: ${reason}`, {
      hint: 'fix the syntax of pyproject.toml',
      cause: error,
    });
  }

  const tool = document.tool as Record<string, unknown> | undefined;
  const section = tool?.['lambda-layer'];
  const values: ConfigValues = {};
  const notes: PyprojectConfig['notes'] = {};
  const origin: ValueOrigin = { source: 'pyproject', where: `[${CONFIG_SECTION}] of ${path}` };
  if (section !== undefined) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      throw new LayerError(ErrorCodes.CONFIG_INVALID_VALUE, `[${CONFIG_SECTION}] in ${path} must be a table`, {
        hint: `write it as a [${CONFIG_SECTION}] section`,
      });
    }
    for (const [key, value] of Object.entries(section)) {
      if (!isConfigKey(key)) {
        throw new LayerError(ErrorCodes.CONFIG_UNKNOWN_KEY, `unknown key "${key}" in [${CONFIG_SECTION}] of ${path}`, {
          hint: `remove it or use one of: ${CONFIG_KEYS.join(', ')}`,
          details: { key, file: path },
        });
      }
      (values as Record<string, unknown>)[key] = coerce(key, value, origin, (note) => (notes[key] ??= []).push(note));
    }
  }
  return { path, exists: true, document, values, notes };
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
  /** Warnings about the values in use (an s3dir without its trailing "/", …), for the user to see. */
  notices: string[];
}

/** Merges settings with the precedence flag > environment > pyproject > default. */
export async function resolveConfig(input: ResolveConfigInput): Promise<ResolvedConfig> {
  const pyproject = await loadPyprojectConfig(input.projectDir, { required: input.requirePyproject ?? false });
  const env = input.env ?? process.env;
  const values: ConfigValues = {};
  const sources: Partial<Record<ConfigKey, ConfigSource>> = {};
  const notices: string[] = [];
  const note: ConfigNote = (warning) => notices.push(warning);
  const set = (key: ConfigKey, value: unknown, source: ConfigSource) => {
    (values as Record<string, unknown>)[key] = value;
    sources[key] = source;
  };

  for (const key of CONFIG_KEYS) {
    const flag = input.flags?.[key];
    const envName = configEnvName(key);
    const envValue = env[envName];
    if (flag !== undefined && !(Array.isArray(flag) && flag.length === 0))
      set(key, coerce(key, flag, { source: 'flag', where: `--${key}` }, note), 'flag');
    else if (envValue !== undefined && envValue !== '') set(key, coerce(key, envValue, { source: 'env', where: envName }, note), 'env');
    else if (pyproject.values[key] !== undefined) {
      set(key, pyproject.values[key], 'pyproject');
      notices.push(...(pyproject.notes[key] ?? []));
    } else if (input.defaults?.[key] !== undefined) set(key, input.defaults[key], 'default');
  }
  return { values, sources, pyproject, notices };
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
  return value;
}
