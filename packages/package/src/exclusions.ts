/**
 * What stays out of layer.zip: the original's default packages (provided by
 * the Lambda runtime or only needed to build and test), the user's --ignore
 * globs, and Python bytecode. Each rule has a name, so the summary can say
 * what it left out and how many bytes that saved.
 */
import { readdir } from 'node:fs/promises';
import { DEFAULT_IGNORED_PACKAGES, normalizePackageName, parseDistFolderName, readDistInfo } from '@lambda-layer/core';
import picomatch from 'picomatch';

/** The original tool's default ignore list (in core, so `layer package --help` can show it without loading this package). */
export { DEFAULT_IGNORED_PACKAGES };

export const BYTECODE_RULE = 'bytecode (__pycache__/, *.pyc)';

export interface ExclusionSettings {
  ignore: readonly string[];
  defaultIgnore: boolean;
  keepBytecode: boolean;
  /** Packages the project names itself: kept even when they are on the default list. */
  keep?: ReadonlySet<string>;
}

/** The default list less what the project names itself (`_pytest` goes with `pytest`). */
export function defaultIgnoredPackages(keep: ReadonlySet<string> = new Set()): string[] {
  const kept = (name: string) => keep.has(normalizePackageName(name)) || (name === '_pytest' && keep.has('pytest'));
  return DEFAULT_IGNORED_PACKAGES.filter((name) => !kept(name));
}

export interface ExclusionRules {
  /**
   * The rule that leaves `relPath` (relative to python/, `/`-separated) out,
   * or undefined to keep it. A directory's rule covers everything below it.
   */
  match(relPath: string, directory: boolean): string | undefined;
}

const MODULE_FILE = /^([^.]+)(\..*)?\.(py|so|pyd|pth)$/;

/** The package a top-level entry of python/ belongs to, by name alone. */
function topLevelOwner(entry: string, directory: boolean, owners: ReadonlyMap<string, string>): string | undefined {
  if (directory) {
    const dist = parseDistFolderName(entry);
    if (dist) return owners.get(normalizePackageName(dist.name));
    return owners.get(normalizePackageName(entry));
  }
  const module = MODULE_FILE.exec(entry);
  if (!module) return undefined;
  const stem = module[1] as string;
  // `foo-nspkg.pth`-style files belong to the name before the dash.
  return owners.get(normalizePackageName(stem)) ?? owners.get(normalizePackageName(stem.split('-')[0] as string));
}

/**
 * Reads the dist-info folders of the ignored packages: `top_level.txt` names
 * their importable modules (setuptools ships `pkg_resources` and
 * `_distutils_hack`, pytest ships `py.py`) and `RECORD` lists every file they
 * installed (such as `distutils-precedence.pth`), so nothing of theirs is left behind.
 */
async function ownedByIgnoredPackages(pythonDir: string, packages: readonly string[]) {
  const owners = new Map<string, string>(packages.map((name) => [normalizePackageName(name), name]));
  const files = new Map<string, string>();
  let top: string[] = [];
  try {
    top = await readdir(pythonDir);
  } catch {
    return { owners, files };
  }
  for (const entry of top) {
    const dist = parseDistFolderName(entry);
    const owner = dist?.kind === 'dist-info' ? owners.get(normalizePackageName(dist.name)) : undefined;
    if (!owner) continue;
    const installed = await readDistInfo(pythonDir, entry);
    for (const name of installed.topLevel) if (!name.includes('/')) owners.set(normalizePackageName(name), owner);
    for (const path of installed.files) if (!path.startsWith('..') && !path.startsWith('/')) files.set(path, owner);
  }
  return { owners, files };
}

export async function loadExclusionRules(pythonDir: string, settings: ExclusionSettings): Promise<ExclusionRules> {
  const ignored = settings.defaultIgnore ? await ownedByIgnoredPackages(pythonDir, defaultIgnoredPackages(settings.keep)) : undefined;
  // Patterns match paths relative to python/ (a leading `python/` is accepted);
  // one without a slash matches a name at any depth, like .gitignore.
  const globs = settings.ignore.map((pattern) => {
    const relative = pattern.replace(/^\.?\/?python\//, '').replace(/\/+$/, '');
    return { pattern, test: picomatch(relative, { dot: true, basename: !relative.includes('/') }) };
  });

  return {
    match(relPath, directory) {
      if (ignored) {
        const slash = relPath.indexOf('/');
        const top = slash === -1 ? relPath : relPath.slice(0, slash);
        const owner = topLevelOwner(top, slash === -1 ? directory : true, ignored.owners) ?? ignored.files.get(relPath);
        if (owner) return owner;
      }
      for (const glob of globs) if (glob.test(relPath)) return glob.pattern;
      if (!settings.keepBytecode) {
        if (directory && (relPath === '__pycache__' || relPath.endsWith('/__pycache__'))) return BYTECODE_RULE;
        if (!directory && relPath.endsWith('.pyc')) return BYTECODE_RULE;
      }
      return undefined;
    },
  };
}
