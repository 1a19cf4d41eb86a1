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

/**
 * Config keys every command takes, declared once in main.ts (group "AWS and
 * network options"): the AWS profile and region, the proxy and CA bundle,
 * and what every S3 request carries (encryption, bucket owner).
 */
export const GLOBAL_CONFIG_KEYS = ['profile', 'region', 'proxy', 'ca-bundle', 'sse', 'sse-kms-key-id', 'bucket-key', 'expected-bucket-owner'] as const satisfies readonly ConfigKey[];

export function optionsFor(keys: readonly ConfigKey[]): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const key of keys) {
    // AWS and network settings are global flags, declared once in main.ts.
    if ((GLOBAL_CONFIG_KEYS as readonly ConfigKey[]).includes(key)) continue;
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
