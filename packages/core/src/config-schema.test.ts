import { describe, expect, it } from 'vitest';
import {
  cacheInputKeys,
  commandConfigKeys,
  CONFIG_COMMANDS,
  CONFIG_KEYS,
  configEnvName,
  configKeySpec,
  GLOBAL_CONFIG_KEYS,
  isCommandConfigKey,
  STEP_COMMANDS,
} from './config-schema.js';

describe('the config schema', () => {
  it('declares each key whole: a type, a --help text, where it is a flag, each alias and variable once', () => {
    const aliases: string[] = [];
    for (const key of CONFIG_KEYS) {
      const spec = configKeySpec(key);
      expect(key).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(spec.description.trim(), key).not.toBe('');
      if (Array.isArray(spec.commands)) {
        expect(spec.commands.length, key).toBeGreaterThan(0);
        for (const command of spec.commands) expect(CONFIG_COMMANDS, key).toContain(command);
      } else expect(['every', 'none'], key).toContain(spec.commands);
      if (spec.alias) aliases.push(spec.alias);
      if (spec.repeatFlag) expect(spec.type, key).toBe('string[]');
      if (spec.fromNumber) expect(spec.type, key).toBe('string');
      // A per-command text only where that command takes the key.
      for (const command of Object.keys(spec.describeFor ?? {})) expect(isCommandConfigKey(key, command as never), `${key} in ${command}`).toBe(true);
    }
    expect(aliases.every((alias) => /^[a-z]$/.test(alias))).toBe(true);
    // -q and -h are the global --quiet and --help.
    expect(new Set([...aliases, 'q', 'h']).size).toBe(aliases.length + 2);
    expect(new Set(CONFIG_KEYS.map(configEnvName)).size).toBe(CONFIG_KEYS.length);
  });

  it("derives each command's keys: workflow takes its four steps', the global ones belong to every command and to none alone", () => {
    expect(commandConfigKeys('build')).toEqual([
      'tool',
      'python-version',
      'architecture',
      'installer',
      'container',
      'index-url',
      'index-name',
      'yes',
      'force',
    ]);
    expect(commandConfigKeys('upload')).toEqual(['s3dir', 'tool', 'force', 'dry-run']);
    expect(new Set(commandConfigKeys('workflow'))).toEqual(new Set(STEP_COMMANDS.flatMap((step) => commandConfigKeys(step))));
    expect(GLOBAL_CONFIG_KEYS).toEqual(['proxy', 'ca-bundle', 'sse', 'sse-kms-key-id', 'bucket-key', 'expected-bucket-owner', 'profile', 'region']);
    for (const command of [...CONFIG_COMMANDS, 'workflow'] as const) {
      for (const key of GLOBAL_CONFIG_KEYS) expect(commandConfigKeys(command)).not.toContain(key);
      expect(commandConfigKeys(command)).not.toContain('regions');
    }
  });

  it('marks as Nx cache inputs only keys of the step whose result they change', () => {
    expect(cacheInputKeys('build')).toEqual(['tool', 'python-version', 'architecture', 'installer', 'container', 'index-url', 'index-name']);
    expect(cacheInputKeys('package')).toEqual(['ignore', 'default-ignore', 'keep-bytecode', 'compression-level']);
    for (const target of ['build', 'package'] as const)
      for (const key of cacheInputKeys(target)) expect(isCommandConfigKey(key, target), key).toBe(true);
    // Whether work is redone is not what it makes.
    for (const key of ['force', 'yes', 'dry-run'] as const) expect(configKeySpec(key).cacheInput).toBeUndefined();
  });
});
