import { satisfies, valid } from '@renovatebot/pep440';

/**
 * PEP 508 environment markers (`python_version < "3.12" and sys_platform != "win32"`),
 * parsed and evaluated here for the target runtime, with the semantics of
 * `packaging.markers` (what pip, uv and Poetry implement): a comparison whose
 * right side is a version uses PEP 440 (prereleases included), anything else
 * compares strings; `extra` names are compared normalised.
 *
 * Written by hand because a lock holds hundreds of markers and reading it must
 * cost milliseconds: the only maintained PEP 508 parser on npm
 * (pip-requirements-js, built on ohm-js) takes ~20 ms to load and ~0.4 ms per
 * marker, and evaluates nothing. PEP 440 comparisons come from @renovatebot/pep440.
 */

export type MarkerNode =
  { kind: 'and' | 'or'; left: MarkerNode; right: MarkerNode } | { kind: 'compare'; left: MarkerValue; op: MarkerOperator; right: MarkerValue };

export type MarkerValue = { variable: string } | { literal: string };
export type MarkerOperator = '<' | '<=' | '==' | '!=' | '>=' | '>' | '~=' | '===' | 'in' | 'not in';

/** The variables of a marker environment (PEP 508 names), and the extras that are switched on. */
export interface MarkerEnvironment {
  values: Readonly<Record<string, string>>;
  /**
   * Extras requested (normalised names). `extra == "x"` holds when x is one of
   * them, the way Poetry applies a set of extras (pip evaluates one at a time).
   */
  extras: ReadonlySet<string>;
}

export class MarkerSyntaxError extends Error {
  constructor(marker: string, reason: string) {
    super(`invalid environment marker \`${marker}\`: ${reason}`);
    this.name = 'MarkerSyntaxError';
  }
}

const VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'extras',
  'dependency_groups',
]);
/** Pre-PEP 508 spellings that packaging still accepts. */
const ALIASES: Record<string, string> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};
const OPERATORS: readonly MarkerOperator[] = ['===', '<=', '>=', '==', '!=', '~=', '<', '>'];

/** PEP 503 normalisation, which packaging applies to extra names before comparing them. */
export function normalizeExtra(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

type Token =
  { type: 'string'; value: string } | { type: 'word'; value: string } | { type: 'op'; value: string } | { type: 'paren'; value: '(' | ')' };

function tokenize(marker: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < marker.length) {
    const ch = marker[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: 'paren', value: ch });
      i += 1;
    } else if (ch === '"' || ch === "'") {
      const end = marker.indexOf(ch, i + 1);
      if (end < 0) throw new MarkerSyntaxError(marker, 'unterminated string');
      tokens.push({ type: 'string', value: marker.slice(i + 1, end) });
      i = end + 1;
    } else {
      const op = OPERATORS.find((candidate) => marker.startsWith(candidate, i));
      if (op) {
        tokens.push({ type: 'op', value: op });
        i += op.length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(marker.slice(i))?.[0];
      if (!word) throw new MarkerSyntaxError(marker, `unexpected character ${JSON.stringify(ch)}`);
      tokens.push({ type: 'word', value: word });
      i += word.length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(
    private readonly marker: string,
    private readonly tokens: Token[],
  ) {}

  parse(): MarkerNode {
    const node = this.or();
    if (this.position < this.tokens.length) throw this.error(`unexpected ${JSON.stringify(this.tokens[this.position]?.value)}`);
    return node;
  }

  private or(): MarkerNode {
    let node = this.and();
    while (this.isWord('or')) {
      this.position += 1;
      node = { kind: 'or', left: node, right: this.and() };
    }
    return node;
  }

  private and(): MarkerNode {
    let node = this.atom();
    while (this.isWord('and')) {
      this.position += 1;
      node = { kind: 'and', left: node, right: this.atom() };
    }
    return node;
  }

  private atom(): MarkerNode {
    const token = this.tokens[this.position];
    if (token?.type === 'paren' && token.value === '(') {
      this.position += 1;
      const node = this.or();
      const close = this.tokens[this.position];
      if (close?.type !== 'paren' || close.value !== ')') throw this.error('missing )');
      this.position += 1;
      return node;
    }
    const left = this.value();
    const op = this.operator();
    const right = this.value();
    if ('variable' in left === 'variable' in right) throw this.error('a comparison needs one variable and one quoted string');
    return { kind: 'compare', left, op, right };
  }

  private value(): MarkerValue {
    const token = this.tokens[this.position];
    this.position += 1;
    if (token?.type === 'string') return { literal: token.value };
    if (token?.type === 'word') {
      const variable = ALIASES[token.value] ?? token.value;
      if (VARIABLES.has(variable)) return { variable };
      throw this.error(`unknown variable ${token.value}`);
    }
    throw this.error(token ? `unexpected ${JSON.stringify(token.value)}` : 'unexpected end');
  }

  private operator(): MarkerOperator {
    const token = this.tokens[this.position];
    this.position += 1;
    if (token?.type === 'op') return token.value as MarkerOperator;
    if (token?.type === 'word' && token.value === 'in') return 'in';
    if (token?.type === 'word' && token.value === 'not' && this.isWord('in')) {
      this.position += 1;
      return 'not in';
    }
    throw this.error(token ? `expected an operator, got ${JSON.stringify(token.value)}` : 'expected an operator');
  }

  private isWord(word: string): boolean {
    const token = this.tokens[this.position];
    return token?.type === 'word' && token.value === word;
  }

  private error(reason: string): MarkerSyntaxError {
    return new MarkerSyntaxError(this.marker, reason);
  }
}

// Locks repeat the same few markers on many packages: parse each once.
const parsed = new Map<string, MarkerNode>();

export function parseMarker(marker: string): MarkerNode {
  let node = parsed.get(marker);
  if (!node) {
    node = new Parser(marker, tokenize(marker)).parse();
    parsed.set(marker, node);
  }
  return node;
}

/** Whether `marker` holds in `environment`; an empty or absent marker always holds. */
export function evaluateMarker(marker: string | undefined, environment: MarkerEnvironment): boolean {
  if (marker === undefined || marker.trim() === '' || marker.trim() === '*') return true;
  return evaluate(parseMarker(marker), environment);
}

function evaluate(node: MarkerNode, environment: MarkerEnvironment): boolean {
  if (node.kind !== 'compare') {
    return node.kind === 'and'
      ? evaluate(node.left, environment) && evaluate(node.right, environment)
      : evaluate(node.left, environment) || evaluate(node.right, environment);
  }
  const variable = 'variable' in node.left ? node.left.variable : (node.right as { variable: string }).variable;
  if (variable === 'extra') return compareExtra(node, environment.extras);
  if (variable === 'extras' || variable === 'dependency_groups') {
    // PEP 751 set variables: only membership tests make sense.
    const set = variable === 'extras' ? environment.extras : new Set<string>();
    const literal = 'literal' in node.left ? node.left.literal : (node.right as { literal: string }).literal;
    const member = set.has(normalizeExtra(literal));
    if (node.op === 'in') return member;
    if (node.op === 'not in') return !member;
    return false;
  }
  const lhs = 'variable' in node.left ? (environment.values[node.left.variable] ?? '') : node.left.literal;
  const rhs = 'variable' in node.right ? (environment.values[node.right.variable] ?? '') : node.right.literal;
  return compare(lhs, node.op, rhs);
}

function compareExtra(node: Extract<MarkerNode, { kind: 'compare' }>, extras: ReadonlySet<string>): boolean {
  const literal = 'literal' in node.left ? node.left.literal : (node.right as { literal: string }).literal;
  const active = extras.has(normalizeExtra(literal));
  if (node.op === '==') return active;
  if (node.op === '!=') return !active;
  return false;
}

/** packaging's `_eval_op`: a PEP 440 specifier when the right side makes one, else a string comparison. */
function compare(lhs: string, op: MarkerOperator, rhs: string): boolean {
  if (op === 'in') return rhs.includes(lhs);
  if (op === 'not in') return !rhs.includes(lhs);
  if (op === '===') return lhs === rhs;
  if (isVersionSpecifier(op, rhs)) return valid(lhs) !== null && satisfies(lhs, `${op}${rhs}`, { prereleases: true });
  switch (op) {
    case '==':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    default:
      return false;
  }
}

function isVersionSpecifier(op: MarkerOperator, rhs: string): boolean {
  const wildcard = (op === '==' || op === '!=') && rhs.endsWith('.*');
  return valid(wildcard ? rhs.slice(0, -2) : rhs) !== null;
}
