import { satisfies, valid } from '@renovatebot/pep440';

/**
 * Version constraints as locks write them: PEP 440 specifiers (`>=3.11`,
 * `>=2.7, !=3.0.*`) and Poetry's own forms (`^3.11`, `~3.11`, `3.11.*`,
 * `>=3.8 <4`, `>=3.8 || <3`, `*`) — Poetry keeps `python-versions` as the user
 * wrote it. Each alternative becomes a PEP 440 specifier set for
 * @renovatebot/pep440; translating Poetry's few shorthands is all that is
 * written by hand (no npm library reads them).
 */

/** Whether `version` (e.g. "3.12.0") satisfies the constraint; an empty or `*` constraint allows everything. */
export function constraintAllows(constraint: string | undefined, version: string): boolean {
  if (constraint === undefined) return true;
  return toPep440Alternatives(constraint).some((specifier) => specifier === '' || satisfies(version, specifier, { prereleases: true }));
}

/** The constraint as PEP 440 specifier sets, one per `||` alternative ('' allows everything). */
export function toPep440Alternatives(constraint: string): string[] {
  return constraint.split(/\s*\|\|?\s*/).map((alternative) => {
    const clauses = alternative
      .trim()
      // `>= 3.8` is one clause; `>=3.8 <4` and `>=3.8, <4` are two.
      .replace(/(===|==|!=|<=|>=|~=|<|>|\^|~)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter((clause) => clause && clause !== '*');
    return clauses.map(toPep440Clause).join(',');
  });
}

function toPep440Clause(clause: string): string {
  if (/^(===|==|!=|<=|>=|~=|<|>)/.test(clause)) return clause;
  if (clause.startsWith('^')) return caret(clause.slice(1));
  if (clause.startsWith('~')) return tilde(clause.slice(1));
  // A bare version (or `3.11.*`) pins it.
  return `==${clause}`;
}

function releaseParts(version: string): number[] {
  const release = /^v?(\d+(?:\.\d+)*)/.exec(version)?.[1];
  if (!release || valid(version) === null) throw new Error(`invalid version constraint ${JSON.stringify(version)}`);
  return release.split('.').map(Number);
}

/** `^1.2.3` = `>=1.2.3,<2.0.0`; the first non-zero part may not grow (`^0.2` = `>=0.2,<0.3`). */
function caret(version: string): string {
  const parts = releaseParts(version);
  const firstNonZero = parts.findIndex((part) => part !== 0);
  const bump = firstNonZero < 0 ? parts.length - 1 : firstNonZero;
  return `>=${version},<${upper(parts, bump)}`;
}

/** `~1.2.3` = `>=1.2.3,<1.3.0`; `~1` = `>=1,<2`. */
function tilde(version: string): string {
  const parts = releaseParts(version);
  return `>=${version},<${upper(parts, parts.length > 1 ? 1 : 0)}`;
}

function upper(parts: number[], bump: number): string {
  const out = parts.slice(0, bump + 1);
  out[bump] = (out[bump] ?? 0) + 1;
  return out.join('.');
}
