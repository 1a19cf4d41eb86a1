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
import { loadPyprojectConfig, normalizePackageName } from '@lambda-layer/core';

/** The project name a PEP 508 requirement or a requirements.txt line starts with; undefined for options and comments. */
export function requirementName(line: string): string | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  if (!text || text.startsWith('-')) return undefined;
  return /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text)?.[1];
}

/**
 * The requirements a requirements.txt names on purpose. A compiled file
 * (pip-compile, `uv pip compile`) marks what only came along as a dependency
 * with `# via <package>`; a requirement whose every `via` is another package
 * is not the user's choice. One without annotations, or via `-r file`, is.
 */
export function requirementsTxtNames(text: string): string[] {
  const names: string[] = [];
  let current: { name: string; via: string[]; inVia: boolean } | undefined;
  const close = () => {
    if (current && (current.via.length === 0 || current.via.some((via) => via.startsWith('-')))) names.push(current.name);
    current = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    const name = requirementName(line);
    if (name) {
      close();
      current = { name, via: [], inVia: false };
    } else if (trimmed && !trimmed.startsWith('#') && !trimmed.startsWith('--hash')) {
      close(); // an option line ends the entry
    }
    if (!current) continue;
    const via = /#\s*via\b:?\s*(.*)$/.exec(trimmed);
    if (via) {
      current.inVia = true;
      current.via.push(
        ...(via[1] ?? '')
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      );
    } else if (current.inVia && /^#\s+\S/.test(trimmed)) {
      // `#   boto3`: the next item of a multi-line `# via` list.
      current.via.push(trimmed.replace(/^#\s+/, ''));
    }
  }
  close();
  return names;
}

export async function explicitlyNamedPackages(projectDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (name: string | undefined) => {
    if (name) names.add(normalizePackageName(name));
  };
  const requirements = await readFile(join(projectDir, 'requirements.txt'), 'utf8').catch(() => '');
  for (const name of requirementsTxtNames(requirements)) add(name);
  const { document } = await loadPyprojectConfig(projectDir).catch((): { document: Record<string, unknown> } => ({ document: {} }));
  const dependencies = (document.project as { dependencies?: unknown } | undefined)?.dependencies;
  if (Array.isArray(dependencies)) for (const dependency of dependencies) if (typeof dependency === 'string') add(requirementName(dependency));
  const poetry = (document.tool as { poetry?: { dependencies?: Record<string, unknown> } } | undefined)?.poetry?.dependencies;
  for (const name of Object.keys(poetry ?? {})) if (name.toLowerCase() !== 'python') add(name);
  return names;
}
