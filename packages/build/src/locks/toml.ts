import { parse, TomlError } from 'smol-toml';
import { lockInvalid } from './locked-package.js';

export type TomlTable = Record<string, unknown>;

/** Parses a lock or pyproject.toml; a syntax error names the file and the line. */
export function parseToml(text: string, fileName: string, hint: string): TomlTable {
  try {
    // Integers as BigInt keep them apart from floats (Poetry's content hash prints them differently).
    return parse(text, { integersAsBigInt: true });
  } catch (error) {
    const reason = error instanceof TomlError ? `invalid TOML at line ${error.line}: ${error.message.split('\n')[0]}` : String(error);
    throw lockInvalid(fileName, reason, hint);
  }
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function tableOf(value: unknown): TomlTable {
  return isTable(value) ? value : {};
}

export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
