/**
 * The flags are derived from core's CONFIG_SCHEMA and declared nowhere else:
 * the --help yargs prints for each command lists exactly the schema's keys
 * for that command, the global ones, the command's one-off action flags, and
 * the few command-line-only flags of the parser, each with the schema's text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandConfigKeys,
  CONFIG_KEYS,
  type ConfigKey,
  configKeySpec,
  GLOBAL_CONFIG_KEYS,
  isConfigKey,
  type LayerCommandName,
} from '@lambda-layer/core';
import { repoRoot } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import type { LayerCommand } from './command.js';
import { commands } from './commands/index.js';
import { renderHelp } from './parser.js';
import type { RunnerIO } from './runner.js';

const silentIO: RunnerIO = { stdout: () => {}, stderr: () => {}, stdinIsTTY: false, stderrIsTTY: false };

/** Flags of the command line itself, not settings (no variable, no pyproject key), and yargs' own. */
const COMMAND_LINE_ONLY = ['project-dir', 'json', 'quiet', 'debug', 'endpoint-url', 'output-file', 'version', 'help'];

/** The option part of a help text (before the examples). */
async function helpOptions(command: LayerCommandName): Promise<string> {
  const text = await renderHelp([command, '--help'], silentIO);
  expect(text, `layer ${command} --help`).toBeDefined();
  return text!.split('\nExamples:')[0]!;
}

function flagsIn(help: string): string[] {
  return [...help.matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)].map((match) => match[1]!);
}

/** yargs wraps descriptions mid-word: compare without whitespace. */
const squeeze = (text: string) => text.replace(/\s+/g, '');

describe("the flags come from core's config schema", () => {
  const names = commands.map((command) => command.name);

  it('every command is a command the schema knows, each once', () => {
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(['build', 'iam-policy', 'package', 'prune', 'publish', 'upload', 'workflow']);
  });

  it.each(commands.map((command) => [command.name, command] as const))(
    '`layer %s --help` lists exactly its schema keys, the global ones and its own action flags',
    async (name, command: LayerCommand) => {
      const help = await helpOptions(name);
      const own = Object.keys(command.flags ?? {});
      // An action flag is never a setting: a setting is declared in the schema, once.
      for (const flag of own) expect(isConfigKey(flag), `--${flag} of ${name} is a config key: declare it in CONFIG_SCHEMA only`).toBe(false);
      expect(flagsIn(help).sort()).toEqual([...commandConfigKeys(name), ...GLOBAL_CONFIG_KEYS, ...own, ...COMMAND_LINE_ONLY].sort());
      for (const key of [...commandConfigKeys(name), ...GLOBAL_CONFIG_KEYS]) {
        const spec = configKeySpec(key);
        expect(squeeze(help), `--${key} of ${name}`).toContain(squeeze(spec.describeFor?.[name] ?? spec.description));
        if (spec.alias) expect(help).toMatch(new RegExp(`^\\s+-${spec.alias}, --${key}\\s`, 'm'));
      }
    },
  );

  it('workflow takes every key of its four steps, and every key is a flag of some command unless the schema says none', async () => {
    const workflow = new Set(commandConfigKeys('workflow'));
    for (const step of ['build', 'package', 'upload', 'publish'] as const)
      for (const key of commandConfigKeys(step)) expect(workflow.has(key), key).toBe(true);
    const everywhere = new Set<ConfigKey>([...GLOBAL_CONFIG_KEYS, ...names.flatMap((name) => commandConfigKeys(name))]);
    for (const key of CONFIG_KEYS) expect(everywhere.has(key), key).toBe(configKeySpec(key).commands !== 'none');
    for (const name of names) expect(flagsIn(await helpOptions(name))).not.toContain('regions');
  });

  it("each command's file reads only the settings the schema gives that command (else its flag would be missing)", () => {
    const read = /\b(?:values|sources)(?:\.([\w]+)|\['([\w-]+)'\])|requireConfigValue\([^,]+, '([\w-]+)'\)|configEnvName\('([\w-]+)'\)/g;
    for (const name of names) {
      const source = readFileSync(new URL(`./commands/${name}.ts`, import.meta.url), 'utf8');
      const keys = [...source.matchAll(read)].map((match) => match[1] ?? match[2] ?? match[3] ?? match[4]!);
      if (name !== 'workflow') expect(keys.length, name).toBeGreaterThan(0);
      for (const key of keys) {
        expect(isConfigKey(key), `${name}.ts reads "${key}", which is no config key`).toBe(true);
        const takes = configKeySpec(key as ConfigKey).commands;
        expect(
          takes === 'every' || takes === 'none' || commandConfigKeys(name).includes(key as ConfigKey),
          `${name}.ts reads ${key}, which the schema does not give to ${name}`,
        ).toBe(true);
      }
    }
  });

  it('a repeated flag (--region) stays a string to yargs, a list flag (--ignore) an array', async () => {
    const help = await helpOptions('workflow');
    expect(help).toMatch(/--region\s[\s\S]*?\[string\]/);
    expect(help).toMatch(/--ignore\s[\s\S]*?\[array\]/);
  });
});

describe("the README's synopsis of `layer`", () => {
  /** Each `layer …` entry of the synopsis block (a line and the indented lines after it), by command; `<…>` is the global one. */
  function synopsis(): Map<string, string> {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const block = readme.split('## The `layer` command')[1]!.split('```')[1]!;
    const entries = new Map<string, string>();
    let current: string | undefined;
    for (const line of block.split('\n')) {
      const start = /^layer (\S+)/.exec(line);
      if (start) entries.set((current = start[1]!.startsWith('<') ? 'global' : start[1]!), line);
      else if (current && /^\s+\S/.test(line)) entries.set(current, `${entries.get(current)!}\n${line}`);
      else current = undefined;
    }
    return entries;
  }
  /** The flags an entry names, a `--no-x` as the key x. */
  const named = (entry: string) =>
    [...entry.matchAll(/--([a-z][\w-]*)/g)].map((match) => (isConfigKey(match[1]!) ? match[1] : match[1]!.replace(/^no-/, ''))).sort();

  it('names every flag of each command, as the schema and the commands declare them', () => {
    const entries = synopsis();
    expect(named(entries.get('global')!)).toEqual(
      [...GLOBAL_CONFIG_KEYS, ...COMMAND_LINE_ONLY.filter((flag) => flag !== 'version' && flag !== 'help')].sort(),
    );
    for (const command of commands) {
      const entry = entries.get(command.name);
      expect(entry, `layer ${command.name} in the README`).toBeDefined();
      if (command.name === 'workflow') expect(entry).toContain('(the union of the above)');
      else expect(named(entry!), `layer ${command.name}`).toEqual([...commandConfigKeys(command.name), ...Object.keys(command.flags ?? {})].sort());
    }
  });
});
