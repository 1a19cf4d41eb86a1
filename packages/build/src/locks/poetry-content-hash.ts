import { createHash } from 'node:crypto';
import { isTable, tableOf, type TomlTable } from './toml.js';

/**
 * Poetry's `content-hash` (poetry/packages/locker.py, `_get_content_hash`):
 * the SHA-256 of `json.dumps(relevant, sort_keys=True)`, where `relevant` is
 * the part of pyproject.toml that decides the lock — [project]'s
 * requires-python, dependencies and optional-dependencies, [dependency-groups],
 * and [tool.poetry]'s dependencies, source, extras, dev-dependencies and group.
 * Recomputing it tells in microseconds whether poetry.lock is stale, which is
 * what `poetry check --lock` (a second of Poetry start-up) says.
 */

const LEGACY_KEYS = ['dependencies', 'source', 'extras', 'dev-dependencies'];
const RELEVANT_KEYS = [...LEGACY_KEYS, 'group'];
const RELEVANT_PROJECT_KEYS = ['requires-python', 'dependencies', 'optional-dependencies'];

export function poetryContentHash(pyproject: TomlTable, options: { withDependencyGroups?: boolean } = {}): string {
  const project = tableOf(pyproject.project);
  const groups = options.withDependencyGroups === false ? {} : tableOf(pyproject['dependency-groups']);
  const poetry = tableOf(tableOf(pyproject.tool).poetry);

  const relevantProject: TomlTable = {};
  for (const key of RELEVANT_PROJECT_KEYS) if (project[key] !== undefined) relevantProject[key] = project[key];
  const hasProject = Object.keys(relevantProject).length > 0;
  const hasGroups = Object.keys(groups).length > 0;

  const relevantPoetry: TomlTable = {};
  for (const key of RELEVANT_KEYS) {
    const value = poetry[key];
    // Legacy keys are written as null when absent, for old locks' sake, unless [project] or groups say more.
    if (value === undefined && (!LEGACY_KEYS.includes(key) || hasProject || hasGroups)) continue;
    relevantPoetry[key] = value ?? null;
  }

  let relevant: TomlTable = {};
  if (hasProject) relevant.project = relevantProject;
  if (hasGroups) relevant['dependency-groups'] = groups;
  if (Object.keys(relevant).length) relevant.tool = { poetry: relevantPoetry };
  else relevant = relevantPoetry;
  return createHash('sha256').update(pythonJsonDumps(relevant)).digest('hex');
}

/**
 * Python's `json.dumps(value, sort_keys=True)` byte for byte: `", "` and
 * `": "` separators, non-ASCII escaped as \uXXXX, floats as Python prints
 * them. TOML integers arrive as BigInt (parseToml), so `1` and `1.0` stay apart.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pythonFloat(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  // TOML dates: Python's json cannot dump them either (Poetry fails); keep the text.
  if (value instanceof Date) return pythonString(String(value));
  if (isTable(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${pythonString(key)}: ${pythonJsonDumps(value[key])}`).join(', ')}}`;
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only a function or a symbol gets here (other objects are tables above), never [object Object]
  return pythonString(String(value));
}

function pythonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python's float repr: the shortest round-trip digits, in exponent form below 1e-4 and from 1e16. */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
    return `${digits.replace(/\.0$/, '')}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exponent));
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}
