import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

async function readJsonName(path: string): Promise<string | undefined> {
  // Most Python folders have neither file: asking first is far cheaper than a
  // failed read, whose error object (and stack) cost ~30 µs each, 2 per project.
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const name = (JSON.parse(text) as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined; // a broken project.json/package.json is Nx's own error to report
  }
}

/**
 * The Nx project name of a Python project folder: the name its project.json or
 * package.json gives (so we never rename a project another plugin owns), else
 * `[project].name` of pyproject.toml, else the folder's name.
 */
export async function projectNameFor(absoluteRoot: string, pyproject: Record<string, unknown>, workspaceRoot: string): Promise<string> {
  const owned = (await readJsonName(join(absoluteRoot, 'project.json'))) ?? (await readJsonName(join(absoluteRoot, 'package.json')));
  if (owned) return owned;
  const project = pyproject.project as { name?: unknown } | undefined;
  if (typeof project?.name === 'string' && project.name.trim() !== '') return project.name.trim();
  // The workspace root folder itself: name it after the workspace folder.
  return basename(absoluteRoot) || basename(workspaceRoot);
}
