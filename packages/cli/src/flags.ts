import { CONFIG_SCHEMA, type ConfigKey } from '@lambda-layer/core';
import type { Options } from 'yargs';

/**
 * yargs options for the config keys, built from core's schema so flags, the
 * environment and `[tool.lambda-layer]` never drift apart. No option has a
 * yargs default: an absent flag must fall through to env, pyproject, default.
 */
export function optionFor(key: ConfigKey): Options {
  const spec = CONFIG_SCHEMA[key];
  const base: Options = { describe: spec.description, group: 'Step options:' };
  switch (spec.type) {
    case 'string':
      return { ...base, type: 'string', requiresArg: true };
    case 'string[]':
      return { ...base, type: 'array', string: true, requiresArg: true };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'integer':
      return { ...base, type: 'number', requiresArg: true };
  }
}

const SHORT: Partial<Record<ConfigKey, string>> = { tool: 't', force: 'f', yes: 'y' };

export function optionsFor(keys: readonly ConfigKey[]): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const key of keys) {
    // AWS settings are global flags, declared once in main.ts.
    if (key === 'profile' || key === 'region') continue;
    const alias = SHORT[key];
    options[key] = alias ? { ...optionFor(key), alias } : optionFor(key);
  }
  return options;
}

/** The config keys' values from parsed argv (undefined when the flag was not given). */
export function flagValues(keys: readonly ConfigKey[], argv: Record<string, unknown>): Partial<Record<ConfigKey, unknown>> {
  const values: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of keys) if (argv[key] !== undefined) values[key] = argv[key];
  return values;
}
