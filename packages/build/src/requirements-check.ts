/**
 * Checks of the project against the target, made before anything installs:
 * the project's own requires-python must admit the target Python (or Poetry
 * would export markers that hold for no package, and the layer would be
 * empty), and a requirements.txt should pin every package to one version (a
 * range resolves to whatever is newest on the day, while the layer only
 * changes when the file does).
 */
import { ErrorCodes, LayerError, loadPyprojectConfig, PYTHON_VERSIONS } from '@lambda-layer/core';
import { parseRequirementSpec } from './diagnose.js';
import { isPythonAdmitted, type TargetPlatform } from './platform.js';
import type { RequirementEntry } from './requirements.js';

/**
 * Poetry's `python = "^3.11"` constraint as PEP 440 alternatives: `^` and `~`
 * become ranges, space-separated parts join with commas, `||` separates alternatives.
 */
export function poetryConstraintToSpecifiers(constraint: string): string[] {
  return constraint.split('||').map((alternative) =>
    alternative
      .trim()
      .split(/\s*,\s*|\s+(?=[<>=!~^])/)
      .filter(Boolean)
      .map((part) => {
        const caret = /^\^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(part);
        if (caret) {
          const [major, minor] = [Number(caret[1]), caret[2]];
          const upper = major > 0 || minor === undefined ? `${major + 1}.0` : `0.${Number(minor) + 1}`;
          return `>=${part.slice(1).trim()},<${upper}`;
        }
        const tilde = /^~(?!=)\s*(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(part);
        if (tilde)
          return `>=${part.slice(1).trim()},<${tilde[2] === undefined ? `${Number(tilde[1]) + 1}.0` : `${tilde[1]}.${Number(tilde[2]) + 1}`}`;
        if (/^\d/.test(part)) return `==${part}`;
        return part;
      })
      .join(','),
  );
}

/** The project's Python constraint: `[project].requires-python`, else Poetry's `python` dependency. */
export async function projectRequiresPython(projectDir: string): Promise<{ text: string; specifiers: string[] } | undefined> {
  const { document } = await loadPyprojectConfig(projectDir);
  const project = document.project as Record<string, unknown> | undefined;
  if (typeof project?.['requires-python'] === 'string') return { text: project['requires-python'], specifiers: [project['requires-python']] };
  const poetry = (document.tool as Record<string, Record<string, unknown>> | undefined)?.poetry;
  const python = (poetry?.dependencies as Record<string, unknown> | undefined)?.python;
  if (typeof python === 'string') return { text: python, specifiers: poetryConstraintToSpecifiers(python) };
  return undefined;
}

/** Refuses a target the project's requires-python leaves out, naming the versions it allows. */
export async function checkProjectRequiresPython(projectDir: string, platform: TargetPlatform): Promise<void> {
  const constraint = await projectRequiresPython(projectDir);
  if (!constraint) return;
  const admits = (version: string) => constraint.specifiers.some((spec) => isPythonAdmitted(spec, version));
  if (admits(platform.pythonVersion)) return;
  const allowed = PYTHON_VERSIONS.filter(admits);
  throw new LayerError(ErrorCodes.PYTHON_VERSION_EXCLUDED, `the project requires-python ${constraint.text} excludes ${platform.runtime.identifier}`, {
    hint: allowed.length
      ? `target a Python the project allows (--python-version ${allowed.join(' or ')}), or widen requires-python in pyproject.toml and lock again`
      : 'widen requires-python in pyproject.toml to a Python Lambda runs (3.9-3.14), and lock again',
    details: { requiresPython: constraint.text, allowed },
  });
}

/** Requirements not pinned to one version: no specifier, a range, or a wildcard. Direct URLs count as pinned. */
export function looseRequirements(entries: readonly RequirementEntry[]): string[] {
  const loose: string[] = [];
  for (const entry of entries) {
    if (!entry.name) continue;
    const spec = parseRequirementSpec(entry.text);
    if (!spec) continue; // a direct URL (`name @ https://…`) names one file
    if (/^===?[^,*]+$/.test(spec.specifier)) continue;
    loose.push(spec.specifier ? `${spec.name}${spec.specifier}` : spec.name);
  }
  return loose;
}
