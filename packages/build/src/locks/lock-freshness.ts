import { ErrorCodes, LayerError } from '@lambda-layer/core';
import { normalizePackageName } from './locked-package.js';
import { normalizeExtra } from './marker.js';
import { poetryContentHash } from './poetry-content-hash.js';
import type { PoetryLock } from './poetry-lock.js';
import {
  formatRequirement,
  normalizeSpecifier,
  parseRequirement,
  type Requirement,
  samePythonRange,
  sameRequirement,
  splitExtras,
} from './requirement.js';
import { arrayOf, stringOf, tableOf, type TomlTable } from './toml.js';
import { findUvProject, type UvLock } from './uv-lock.js';

/**
 * Whether a lock still matches pyproject.toml, answered from the two files
 * alone (no tool start-up), so a build refuses a stale lock at once with the
 * command that fixes it.
 */
export interface LockFreshness {
  fresh: boolean;
  /** What differs, one short phrase each (empty when fresh). */
  reasons: string[];
}

/** Poetry 2.3 added [dependency-groups] to the content hash; older Poetry versions hashed without it. */
const GROUPS_HASHED_SINCE = [2, 3, 0];

function olderThan(version: string | undefined, reference: number[]): boolean {
  if (!version) return false;
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < reference.length; i += 1) {
    const a = parts[i] ?? 0;
    const b = reference[i] as number;
    if (Number.isNaN(a)) return false;
    if (a !== b) return a < b;
  }
  return false;
}

/** poetry.lock against pyproject.toml, the way `poetry check --lock` decides it: by the content hash. */
export function poetryLockFreshness(lock: PoetryLock, pyproject: TomlTable): LockFreshness {
  if (!lock.contentHash) return { fresh: false, reasons: ['poetry.lock has no content-hash'] };
  if (poetryContentHash(pyproject) === lock.contentHash) return { fresh: true, reasons: [] };
  if (olderThan(lock.generatedBy, GROUPS_HASHED_SINCE) && poetryContentHash(pyproject, { withDependencyGroups: false }) === lock.contentHash) {
    return { fresh: true, reasons: [] };
  }
  return { fresh: false, reasons: ['the dependencies in pyproject.toml changed since poetry.lock was written (its content-hash differs)'] };
}

/** A requirement uv.lock recorded (`{ name = "x", extras = [...], specifier = "...", marker = "..." }`). */
function recordedRequirement(entry: unknown): Requirement | undefined {
  const table = tableOf(entry);
  const name = stringOf(table.name);
  if (!name) return undefined;
  return {
    name: normalizePackageName(name),
    extras: splitExtras(arrayOf(table.extras)),
    specifier: normalizeSpecifier(stringOf(table.specifier)),
    marker: stringOf(table.marker),
    url: stringOf(table.url) ?? stringOf(table.git) ?? stringOf(table.path) ?? stringOf(table.directory) ?? stringOf(table.editable),
  };
}

function declaredRequirements(values: unknown, extraMarker?: string): Requirement[] {
  return arrayOf(values)
    .filter((value): value is string => typeof value === 'string')
    .map(parseRequirement)
    .filter((requirement): requirement is Requirement => requirement !== undefined)
    .map((requirement) => {
      if (!extraMarker) return requirement;
      return { ...requirement, marker: requirement.marker ? `(${requirement.marker}) and ${extraMarker}` : extraMarker };
    });
}

/** Pairs the two lists off; what is left on either side is a difference. */
function compareRequirements(what: string, declared: Requirement[], recorded: Requirement[], requiresPython: string | undefined): string[] {
  const left = [...recorded];
  const missing: Requirement[] = [];
  for (const requirement of declared) {
    const index = left.findIndex((candidate) => sameRequirement(requirement, candidate, requiresPython));
    if (index < 0) missing.push(requirement);
    else left.splice(index, 1);
  }
  const reasons = missing.map((requirement) => `pyproject.toml ${what} ${formatRequirement(requirement)}, which uv.lock does not record`);
  for (const requirement of left) reasons.push(`uv.lock records ${formatRequirement(requirement)}, which is no longer in pyproject.toml`);
  return reasons;
}

/**
 * uv.lock against pyproject.toml: the project's requires-python, its
 * dependencies and optional dependencies, and [tool.uv]'s constraint and
 * override lists, compared with what uv recorded when it locked (the
 * project's `[package.metadata]` and `[manifest]`). Dependency groups are
 * not compared: they never reach the layer. Sources ([tool.uv.sources]) are
 * not compared either; `uv lock --check` covers them.
 */
export function uvLockFreshness(lock: UvLock, pyproject: TomlTable): LockFreshness {
  const project = tableOf(pyproject.project);
  if (!stringOf(project.name)) return { fresh: true, reasons: [] };
  const root = findUvProject(lock, stringOf(project.name));
  const metadata = tableOf(root.table.metadata);
  const reasons: string[] = [];

  const declaredPython = stringOf(project['requires-python']);
  if (!samePythonRange(declaredPython, lock.requiresPython)) {
    reasons.push(`requires-python is ${declaredPython ?? 'unset'} in pyproject.toml but ${lock.requiresPython ?? 'unset'} in uv.lock`);
  }

  const declared = declaredRequirements(project.dependencies);
  for (const [extra, values] of Object.entries(tableOf(project['optional-dependencies']))) {
    declared.push(...declaredRequirements(values, `extra == '${normalizeExtra(extra)}'`));
  }
  const recorded = arrayOf(metadata['requires-dist'])
    .map(recordedRequirement)
    .filter((r): r is Requirement => r !== undefined);
  reasons.push(...compareRequirements('requires', declared, recorded, lock.requiresPython));

  const uvSettings = tableOf(tableOf(pyproject.tool).uv);
  const manifest = tableOf(lock.document.manifest);
  for (const [setting, key] of [
    ['constraint-dependencies', 'constraints'],
    ['override-dependencies', 'overrides'],
  ] as const) {
    const recordedList = arrayOf(manifest[key])
      .map(recordedRequirement)
      .filter((r): r is Requirement => r !== undefined);
    reasons.push(...compareRequirements(`[tool.uv] ${setting} lists`, declaredRequirements(uvSettings[setting]), recordedList, lock.requiresPython));
  }
  return { fresh: reasons.length === 0, reasons };
}

/** Throws the one-line refusal for a stale lock, naming what changed and the command that fixes it. */
export function assertLockFresh(freshness: LockFreshness, lockFile: 'uv.lock' | 'poetry.lock'): void {
  if (freshness.fresh) return;
  const command = lockFile === 'uv.lock' ? 'uv lock' : 'poetry lock';
  const more = freshness.reasons.length > 1 ? ` (and ${freshness.reasons.length - 1} more)` : '';
  throw new LayerError(ErrorCodes.LOCK_OUTDATED, `${lockFile} is out of date with pyproject.toml: ${freshness.reasons[0]}${more}`, {
    hint: `run \`${command}\` and build again`,
    details: { reasons: freshness.reasons },
  });
}
