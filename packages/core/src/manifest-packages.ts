/**
 * The packages a manifest pins, and what changed between two manifests, at
 * the level a person reads a release note: "six 1.16.0 → 1.17.0, + idna 3.10,
 * − chardet 5.2.0". Publish diffs the local manifest against the one stored
 * for the latest layer version; build reads the same requirements entries.
 *
 * Deliberately minimal: name and version per package, read from the file as
 * it is, with no markers evaluated and no graph walked (the build's lock
 * readers do that for installing). A diff of the lock file says what the
 * lock changed, which is what a new layer version is published for.
 */
import { ErrorCodes, LayerError } from './errors.js';
import type { BuildTool } from './tools.js';

/** PEP 503 normalisation: `PyYAML`, `pyyaml` and `py_yaml` name one project (`pyyaml`, `py-yaml`). */
export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** One entry of a requirements file: continuation lines joined, comment dropped. */
export interface RequirementEntry {
  /** PEP 503-normalised project name (`markupsafe`), or undefined for an option line (`--index-url …`, `-e …`). */
  name: string | undefined;
  /** The entry as written, continuation lines joined. */
  text: string;
}

/**
 * Splits a requirements file (pip's format) into entries: continuation lines
 * joined, comments and blank lines dropped. Written by hand: only each
 * entry's name, pin and text are needed, passed on unchanged; a full parser
 * (pip-requirements-js) gives an AST that would have to be printed back.
 */
export function parseRequirementEntries(text: string): RequirementEntry[] {
  const entries: RequirementEntry[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    current += line.trim();
    const entry = current.trim();
    current = '';
    if (!entry) continue;
    const name = entry.startsWith('-') ? undefined : /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(entry)?.[1];
    entries.push({ name: name ? normalizePackageName(name) : undefined, text: entry });
  }
  if (current.trim()) entries.push({ name: undefined, text: current.trim() });
  return entries;
}

/** A package as a manifest pins it. */
export interface ManifestPackage {
  /** PEP 503-normalised name. */
  name: string;
  /**
   * The pinned version (`1.17.0`); for an entry that pins none, what it says
   * instead (`>=2`, `@ https://…`, `*`). A lock holding several versions of
   * one package (one per environment) lists them joined by " | ".
   */
  version: string;
}

/** One line of a package-level diff: `from` null for an added package, `to` null for a removed one. */
export interface PackageChange {
  name: string;
  from: string | null;
  to: string | null;
}

/** The version a requirements entry pins, or the specifier it gives instead. */
function requirementVersion(entry: RequirementEntry): string {
  // Drop per-requirement options (--hash=…) and the environment marker.
  const head = entry.text.replace(/\s--?[a-z][\w-]*(?:[= ]\S+)?/gi, ' ');
  const match = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*(.*)$/.exec(head.trim());
  const rest = (match?.[1] ?? '').trim();
  if (rest.startsWith('@'))
    return `@ ${
      rest
        .slice(1)
        .trim()
        .split(/\s+;|\s/)[0] ?? ''
    }`.trim();
  const specifier = rest.split(';')[0]?.replace(/\s+/g, '') ?? '';
  const pinned = /^===?([^,]+)$/.exec(specifier);
  if (pinned) return pinned[1] as string;
  return specifier || '*';
}

function fromRequirements(text: string): Array<[string, string]> {
  return parseRequirementEntries(text)
    .filter((entry): entry is RequirementEntry & { name: string } => entry.name !== undefined)
    .map((entry) => [entry.name, requirementVersion(entry)]);
}

type TomlTable = Record<string, unknown>;
const table = (value: unknown): TomlTable => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as TomlTable) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const packagesOf = (document: TomlTable): TomlTable[] => (Array.isArray(document.package) ? document.package.map(table) : []);

/** A git dependency keeps its version while its commit moves: the commit is part of what is pinned. */
function withCommit(version: string, commit: string | undefined): string {
  return commit ? `${version} @ ${commit.slice(0, 12)}` : version;
}

function fromUvLock(document: TomlTable): Array<[string, string]> {
  const pins: Array<[string, string]> = [];
  for (const entry of packagesOf(document)) {
    const source = table(entry.source);
    // The project itself (and workspace members) are the code, not its dependencies.
    if (source.virtual !== undefined || source.editable !== undefined) continue;
    const name = text(entry.name);
    if (!name) continue;
    const commit = text(source.git)?.split('#')[1];
    pins.push([normalizePackageName(name), withCommit(text(entry.version) ?? '*', commit)]);
  }
  return pins;
}

function fromPoetryLock(document: TomlTable): Array<[string, string]> {
  const pins: Array<[string, string]> = [];
  for (const entry of packagesOf(document)) {
    const name = text(entry.name);
    if (!name) continue;
    const source = table(entry.source);
    const commit = text(source.type) === 'git' ? text(source.resolved_reference) : undefined;
    pins.push([normalizePackageName(name), withCommit(text(entry.version) ?? '*', commit)]);
  }
  return pins;
}

/**
 * The packages a manifest pins, sorted by name: requirements.txt's entries,
 * poetry.lock's and uv.lock's `[[package]]` tables (uv's project itself left
 * out). A lock that is not valid TOML is an E_LOCK_INVALID error naming it.
 */
export async function readManifestPackages(tool: BuildTool, content: string): Promise<ManifestPackage[]> {
  let pins: Array<[string, string]>;
  if (tool === 'pip') pins = fromRequirements(content);
  else {
    const fileName = tool === 'uv' ? 'uv.lock' : 'poetry.lock';
    // Loaded on first use, like config.ts: commands that never diff a lock skip the TOML parser.
    const { parse } = await import('smol-toml');
    let document: TomlTable;
    try {
      document = parse(content);
    } catch (error) {
      throw new LayerError(
        ErrorCodes.LOCK_INVALID,
        `${fileName} cannot be read: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
        {
          hint: tool === 'uv' ? 'run `uv lock`' : 'run `poetry lock`',
        },
      );
    }
    pins = tool === 'uv' ? fromUvLock(document) : fromPoetryLock(document);
  }
  const versions = new Map<string, Set<string>>();
  for (const [name, version] of pins) versions.set(name, (versions.get(name) ?? new Set()).add(version));
  return [...versions]
    .map(([name, set]) => ({ name, version: [...set].sort().join(' | ') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const byName = (a: PackageChange, b: PackageChange) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What changed from `before` to `after`: changed versions first, then added, then removed packages, each by name. */
export function diffManifestPackages(before: readonly ManifestPackage[], after: readonly ManifestPackage[]): PackageChange[] {
  const old = new Map(before.map((pkg) => [pkg.name, pkg.version]));
  const now = new Map(after.map((pkg) => [pkg.name, pkg.version]));
  const changed: PackageChange[] = [];
  const added: PackageChange[] = [];
  const removed: PackageChange[] = [];
  for (const [name, version] of now) {
    const previous = old.get(name);
    if (previous === undefined) added.push({ name, from: null, to: version });
    else if (previous !== version) changed.push({ name, from: previous, to: version });
  }
  for (const [name, version] of old) if (!now.has(name)) removed.push({ name, from: version, to: null });
  return [...changed.sort(byName), ...added.sort(byName), ...removed.sort(byName)];
}

/** One change as a person reads it: `six 1.16.0 → 1.17.0`, `+ idna 3.10`, `− chardet 5.2.0`. */
export function formatPackageChange(change: PackageChange): string {
  if (change.from === null) return `+ ${change.name} ${change.to}`;
  if (change.to === null) return `\u2212 ${change.name} ${change.from}`;
  return `${change.name} ${change.from} \u2192 ${change.to}`;
}

/**
 * A diff on one line, the first `limit` changes and how many more: long
 * diffs (a re-lock that moved 200 packages) stay one readable line; the JSON
 * result holds every change.
 */
export function formatPackageChanges(changes: readonly PackageChange[], limit = 12): string {
  if (changes.length === 0) return 'no package changes';
  const shown = changes.slice(0, limit).map(formatPackageChange);
  const more = changes.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, … and ${more} more` : shown.join(', ');
}
