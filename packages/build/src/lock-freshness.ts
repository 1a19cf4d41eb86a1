/**
 * A quick, offline answer to "has pyproject.toml's dependency list moved past
 * uv.lock?": uv.lock records the project's requirements as it locked them
 * (`[package.metadata] requires-dist` of the project's own entry), and they
 * are compared with `[project].dependencies` by name, extras and version
 * specifiers. uv's own check (`uv export --locked`) discovers a Python
 * interpreter first, which can cost more than the whole install (pyenv's shims),
 * so it only runs to confirm a difference found here.
 */
import { parse as parseToml } from 'smol-toml';
import { parseRequirementSpec } from './diagnose.js';
import { normalizeName } from './requirements.js';

interface LockedRequirement {
  name: string;
  specifier?: string;
  extras?: string[];
}

/** `requests[socks]>=2,<3` as a comparable key: name, sorted extras, sorted specifier clauses, no whitespace. */
export function requirementKey(name: string, extras: readonly string[], specifier: string): string {
  const clauses = specifier
    .replace(/\s+/g, '')
    .split(',')
    .filter(Boolean)
    .sort();
  const extra = [...extras].map((e) => normalizeName(e)).sort();
  return `${normalizeName(name)}[${extra.join(',')}]${clauses.join(',')}`;
}

/** The keys of pyproject.toml's `[project].dependencies` (markers aside). */
export function pyprojectRequirementKeys(pyproject: string): string[] | undefined {
  const project = (parseToml(pyproject) as { project?: { dependencies?: unknown } }).project;
  if (!Array.isArray(project?.dependencies)) return undefined;
  const keys: string[] = [];
  for (const dependency of project.dependencies) {
    if (typeof dependency !== 'string') return undefined;
    const spec = parseRequirementSpec(dependency);
    if (!spec) return undefined; // a direct URL: leave it to uv
    const extras = /^[^[;]*\[([^\]]*)\]/.exec(dependency)?.[1]?.split(',').map((e) => e.trim()).filter(Boolean) ?? [];
    keys.push(requirementKey(spec.name, extras, spec.specifier));
  }
  return keys.sort();
}

/** The keys uv.lock recorded for the project (the package whose source is the project folder itself). */
export function uvLockRequirementKeys(lock: string, projectName: string): string[] | undefined {
  const packages = (parseToml(lock) as { package?: Array<Record<string, unknown>> }).package ?? [];
  const own = packages.find((pkg) => {
    const source = pkg.source as Record<string, unknown> | undefined;
    return normalizeName(String(pkg.name)) === normalizeName(projectName) && (source?.virtual === '.' || source?.editable === '.');
  });
  const requiresDist = (own?.metadata as { 'requires-dist'?: LockedRequirement[] } | undefined)?.['requires-dist'];
  if (!own) return undefined;
  return (requiresDist ?? []).map((req) => requirementKey(req.name, req.extras ?? [], req.specifier ?? '')).sort();
}

/**
 * Whether uv.lock plainly no longer matches pyproject.toml's dependencies:
 * true when a requirement was added, removed or re-specified; false when they
 * agree or when this quick reading cannot tell (uv decides then).
 */
export function isUvLockPlainlyOutdated(pyproject: string, lock: string): boolean {
  try {
    const name = (parseToml(pyproject) as { project?: { name?: unknown } }).project?.name;
    if (typeof name !== 'string') return false;
    const wanted = pyprojectRequirementKeys(pyproject);
    const locked = uvLockRequirementKeys(lock, name);
    if (!wanted || !locked) return false;
    return JSON.stringify(wanted) !== JSON.stringify(locked);
  } catch {
    return false;
  }
}
