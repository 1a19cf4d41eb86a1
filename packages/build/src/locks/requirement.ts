import { normalizePackageName } from './locked-package.js';
import { evaluateMarker, type MarkerEnvironment, type MarkerNode, normalizeExtra, parseMarker } from './marker.js';
import { constraintAllows } from './python-constraint.js';

/**
 * PEP 508 requirements as pyproject.toml lists them (`requests[socks]>=2.31 ;
 * python_version < "3.13"`), reduced to what decides a lock: name, extras,
 * version specifier, marker. Compared with the requirements a lock recorded
 * for the same project to tell whether the lock is stale.
 */
export interface Requirement {
  name: string;
  extras: string[];
  /** Specifier clauses, whitespace removed and sorted (`<3`, `>=2`). */
  specifier: string[];
  marker: string | undefined;
  /** `name @ url`: a direct reference. */
  url: string | undefined;
}

export function parseRequirement(text: string): Requirement | undefined {
  const semicolon = findMarkerSeparator(text);
  const head = (semicolon < 0 ? text : text.slice(0, semicolon)).trim();
  const marker = semicolon < 0 ? undefined : text.slice(semicolon + 1).trim() || undefined;
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)$/.exec(head);
  if (!match) return undefined;
  const rest = (match[3] ?? '').trim();
  const url = rest.startsWith('@') ? rest.slice(1).trim() : undefined;
  const specifier = url === undefined ? rest.replace(/^\((.*)\)$/, '$1') : '';
  return {
    name: normalizePackageName(match[1] as string),
    extras: splitExtras(match[2]),
    specifier: normalizeSpecifier(specifier),
    marker,
    url,
  };
}

/** The `;` that starts the marker: in `name @ url ; marker` PEP 508 wants a space before it, since URLs may hold `;`. */
function findMarkerSeparator(text: string): number {
  if (!/^[^;]*@/.test(text)) return text.indexOf(';');
  const spaced = text.search(/\s;/);
  return spaced < 0 ? -1 : spaced + 1;
}

export function splitExtras(extras: string | readonly unknown[] | undefined): string[] {
  const list = typeof extras === 'string' ? extras.split(',') : (extras ?? []).filter((e): e is string => typeof e === 'string');
  return list
    .map((extra) => normalizeExtra(extra.trim()))
    .filter(Boolean)
    .sort();
}

export function normalizeSpecifier(specifier: string | undefined): string[] {
  return (specifier ?? '')
    .split(',')
    .map((clause) => clause.replace(/\s+/g, ''))
    .filter(Boolean)
    .sort();
}

/** Whether two requirements ask for the same thing (markers compared by meaning, see `sameMarker`). */
export function sameRequirement(a: Requirement, b: Requirement, requiresPython?: string): boolean {
  return (
    a.name === b.name &&
    a.extras.join(',') === b.extras.join(',') &&
    a.specifier.join(',') === b.specifier.join(',') &&
    sameMarker(a.marker, b.marker, requiresPython)
  );
}

export function formatRequirement(requirement: Requirement): string {
  const extras = requirement.extras.length ? `[${requirement.extras.join(',')}]` : '';
  const version = requirement.url ? ` @ ${requirement.url}` : requirement.specifier.join(',');
  return `${requirement.name}${extras}${version}${requirement.marker ? ` ; ${requirement.marker}` : ''}`;
}

const MAX_MARKER_CASES = 20_000;

/**
 * Whether two markers hold in the same environments. Tools rewrite markers
 * when they record them (uv turns `python_version < "3.13"` into
 * `python_full_version < '3.13'` and reorders clauses), so the text may
 * differ while the meaning is the same: both are evaluated over every
 * combination of the values their comparisons can tell apart. Python
 * versions outside `requiresPython` are skipped (tools simplify markers
 * against it).
 */
export function sameMarker(a: string | undefined, b: string | undefined, requiresPython?: string): boolean {
  const normalize = (marker: string | undefined) => (marker ?? '').replace(/"/g, "'").replace(/\s+/g, ' ').trim();
  if (normalize(a) === normalize(b)) return true;
  const trees = [a, b].filter((marker): marker is string => Boolean(marker?.trim())).map(parseMarker);
  const literals = new Map<string, Set<string>>();
  for (const tree of trees) collectLiterals(tree, literals);

  const dimensions: Array<{ apply: (env: { values: Record<string, string>; extras: Set<string> }, choice: string) => void; choices: string[] }> = [];
  const pythonLiterals = new Set([
    ...(literals.get('python_version') ?? []),
    ...(literals.get('python_full_version') ?? []),
    ...(literals.get('implementation_version') ?? []),
  ]);
  if (pythonLiterals.size) {
    const choices = pythonCandidates(pythonLiterals).filter((version) => !requiresPython || constraintAllows(requiresPython, version));
    dimensions.push({
      choices,
      apply: (env, version) => {
        env.values.python_full_version = version;
        env.values.implementation_version = version;
        env.values.python_version = version.split('.').slice(0, 2).join('.');
      },
    });
  }
  for (const [variable, values] of literals) {
    if (variable === 'python_version' || variable === 'python_full_version' || variable === 'implementation_version') continue;
    if (variable === 'extra' || variable === 'extras') {
      for (const extra of values)
        dimensions.push({
          choices: ['on', 'off'],
          apply: (env, choice) => {
            if (choice === 'on') env.extras.add(normalizeExtra(extra));
          },
        });
      continue;
    }
    dimensions.push({ choices: [...values, '\u0000other'], apply: (env, choice) => void (env.values[variable] = choice) });
  }
  const cases = dimensions.reduce((product, dimension) => product * dimension.choices.length, 1);
  if (cases > MAX_MARKER_CASES) return false;

  for (let index = 0; index < cases; index += 1) {
    const environment: MarkerEnvironment & { values: Record<string, string>; extras: Set<string> } = { values: {}, extras: new Set() };
    let rest = index;
    for (const dimension of dimensions) {
      dimension.apply(environment, dimension.choices[rest % dimension.choices.length] as string);
      rest = Math.floor(rest / dimension.choices.length);
    }
    if (evaluateMarker(a, environment) !== evaluateMarker(b, environment)) return false;
  }
  return true;
}

function collectLiterals(node: MarkerNode, into: Map<string, Set<string>>): void {
  if (node.kind !== 'compare') {
    collectLiterals(node.left, into);
    collectLiterals(node.right, into);
    return;
  }
  const variable = 'variable' in node.left ? node.left.variable : 'variable' in node.right ? node.right.variable : undefined;
  const literal = 'literal' in node.left ? node.left.literal : 'literal' in node.right ? node.right.literal : undefined;
  if (variable === undefined || literal === undefined) return;
  const set = into.get(variable) ?? new Set<string>();
  set.add(literal.replace(/\.\*$/, ''));
  into.set(variable, set);
}

/**
 * Whether two requires-python values allow the same Python versions (uv
 * records `>=3.11,<3.12` as `==3.11.*`): compared on every version on either
 * side of each boundary they name.
 */
export function samePythonRange(a: string | undefined, b: string | undefined): boolean {
  if (normalizeSpecifier(a).join(',') === normalizeSpecifier(b).join(',')) return true;
  if (a === undefined || b === undefined) return false;
  const literals = new Set([...`${a},${b}`.matchAll(/\d+(?:\.\d+)*/g)].map((match) => match[0]));
  return pythonCandidates(literals).every((version) => constraintAllows(a, version) === constraintAllows(b, version));
}

/** Python versions on both sides of every boundary the markers mention, plus every 3.x minor. */
function pythonCandidates(literals: Set<string>): string[] {
  const out = new Set<string>();
  for (let minor = 0; minor <= 20; minor += 1) for (const patch of [0, 1, 10]) out.add(`3.${minor}.${patch}`);
  for (const patch of [0, 18]) out.add(`2.7.${patch}`);
  for (const literal of literals) {
    const parts = literal.split('.').map(Number);
    if (parts.some(Number.isNaN)) continue;
    const [major = 0, minor = 0, patch = 0] = parts;
    out.add(`${major}.${minor}.${patch}`);
    out.add(`${major}.${minor}.${patch + 1}`);
    if (patch > 0) out.add(`${major}.${minor}.${patch - 1}`);
    if (minor > 0) out.add(`${major}.${minor - 1}.99`);
  }
  return [...out];
}
