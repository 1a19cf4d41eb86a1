import { commandConfigKeys, type ConfigKey, configKeySpec, GLOBAL_CONFIG_KEYS, type LayerCommandName } from '@lambda-layer/core';
import type { Options } from 'yargs';

export { GLOBAL_CONFIG_KEYS };

/**
 * The yargs option of a config key, built from core's schema so flags, the
 * environment and `[tool.lambda-layer]` never drift apart. No option has a
 * yargs default: an absent flag must fall through to env, pyproject, default.
 */
export function optionFor(key: ConfigKey, command?: LayerCommandName): Options {
  const spec = configKeySpec(key);
  const describe = (command && spec.describeFor?.[command]) ?? spec.description;
  const base: Options = {
    describe,
    group: spec.commands === 'every' ? 'AWS options:' : 'Step options:',
    ...(spec.alias ? { alias: spec.alias } : {}),
  };
  switch (spec.type) {
    case 'string':
      return { ...base, type: 'string', requiresArg: true };
    case 'string[]':
      // A repeated flag (--region a --region b) is a string to yargs, which collects the repeats; a list flag takes the words after it.
      return spec.repeatFlag ? { ...base, type: 'string', requiresArg: true } : { ...base, type: 'array', string: true, requiresArg: true };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'integer':
      return { ...base, type: 'number', requiresArg: true };
  }
}

/** The options of the config keys a command takes as its own flags (the global ones are declared once, on the parser). */
export function optionsFor(command: LayerCommandName): Record<string, Options> {
  return Object.fromEntries(commandConfigKeys(command).map((key) => [key, optionFor(key, command)]));
}

/** The options of the config keys every command takes: the AWS and network settings. */
export function globalOptions(): Record<string, Options> {
  return Object.fromEntries(GLOBAL_CONFIG_KEYS.map((key) => [key, optionFor(key)]));
}

/** The config keys' values from parsed argv (undefined when the flag was not given). */
export function flagValues(keys: readonly ConfigKey[], argv: Record<string, unknown>): Partial<Record<ConfigKey, unknown>> {
  const values: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of keys) if (argv[key] !== undefined) values[key] = argv[key];
  return values;
}
