/**
 * The packages a project names itself: every requirement of requirements.txt,
 * and pyproject.toml's `[project].dependencies` and Poetry's
 * `[tool.poetry.dependencies]` (dev groups aside). A package on the default
 * ignore list that the project names (urllib3 pinned for a reason, say) is
 * kept: the list is for what the runtime brings or only builds need, not for
 * what the user asked for.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPyprojectConfig } from '@lambda-layer/core';
import { normalizeName } from './exclusions.js';

/** The project name a PEP 508 requirement or a requirements.txt line starts with; undefined for options and comments. */
export function requirementName(line: string): string | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  if (!text || text.startsWith('-')) return undefined;
  return /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text)?.[1];
}

export async function explicitlyNamedPackages(projectDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (name: string | undefined) => {
    if (name) names.add(normalizeName(name));
  };
  const requirements = await readFile(join(projectDir, 'requirements.txt'), 'utf8').catch(() => '');
  for (const line of requirements.split(/\r?\n/)) add(requirementName(line));
  const { document } = await loadPyprojectConfig(projectDir).catch(() => ({ document: {} as Record<string, unknown> }));
  const dependencies = (document.project as { dependencies?: unknown } | undefined)?.dependencies;
  if (Array.isArray(dependencies)) for (const dependency of dependencies) if (typeof dependency === 'string') add(requirementName(dependency));
  const poetry = (document.tool as { poetry?: { dependencies?: Record<string, unknown> } } | undefined)?.poetry?.dependencies;
  for (const name of Object.keys(poetry ?? {})) if (name.toLowerCase() !== 'python') add(name);
  return names;
}
