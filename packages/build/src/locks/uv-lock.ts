import { ErrorCodes, LayerError } from '@lambda-layer/core';
import {
  checkTargetPython,
  type LockedFile,
  type LockedInstallSet,
  type LockedPackage,
  lockInvalid,
  type LockTarget,
  normalizePackageName,
  type PackageSource,
  sha256Of,
} from './locked-package.js';
import { evaluateMarker, type MarkerEnvironment, MarkerSyntaxError, normalizeExtra } from './marker.js';
import { arrayOf, isTable, parseToml, stringOf, tableOf, type TomlTable } from './toml.js';

/**
 * uv.lock read directly: the packages `uv export --frozen --no-dev
 * --no-emit-project` would list, with their markers evaluated for the target.
 *
 * uv.lock records the whole graph: every package with its `dependencies`
 * edges (each with an optional marker and the extras it turns on) and its
 * `optional-dependencies` per extra. The install set is what a walk from the
 * project's own package reaches through edges whose marker holds on the
 * target — never `dev-dependencies` (dependency groups) — plus the optional
 * dependencies of the extras the walk turns on.
 */

const RELOCK = 'run `uv lock`';
/** The lock format versions this reader knows (uv.lock `version`). */
const SUPPORTED_VERSIONS = [1n];

interface UvEdge {
  name: string;
  version: string | undefined;
  source: TomlTable | undefined;
  extras: string[];
  marker: string | undefined;
}

interface UvNode {
  table: TomlTable;
  name: string;
  version: string;
  source: TomlTable;
}

export interface UvLock {
  version: bigint;
  requiresPython: string | undefined;
  packages: UvNode[];
  document: TomlTable;
}

export function parseUvLock(text: string): UvLock {
  const document = parseToml(text, 'uv.lock', RELOCK);
  const version = typeof document.version === 'bigint' ? document.version : undefined;
  if (version === undefined) throw lockInvalid('uv.lock', 'it has no `version`; is it a uv lock file?', RELOCK);
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new LayerError(ErrorCodes.LOCK_UNSUPPORTED, `uv.lock is format version ${version}, which this version of layer cannot read`, {
      hint: 'upgrade @lambda-layer/cli, or lock with a uv release that writes version 1',
    });
  }
  const packages = arrayOf(document.package).map((entry, index): UvNode => {
    const table = tableOf(entry);
    const name = stringOf(table.name);
    if (!name) throw lockInvalid('uv.lock', `[[package]] number ${index + 1} has no name`, RELOCK);
    return { table, name: normalizePackageName(name), version: stringOf(table.version) ?? '', source: tableOf(table.source) };
  });
  return { version, requiresPython: stringOf(document['requires-python']), packages, document };
}

/** The project's own package in the lock: the one uv records at `.` (virtual or editable), by name when several. */
export function findUvProject(lock: UvLock, projectName?: string): UvNode {
  const name = projectName === undefined ? undefined : normalizePackageName(projectName);
  const atRoot = lock.packages.filter((node) => node.source.virtual === '.' || node.source.editable === '.');
  const found =
    (name
      ? lock.packages.find((node) => node.name === name && (node.source.virtual !== undefined || node.source.editable !== undefined))
      : undefined) ?? atRoot[0];
  if (!found) {
    throw new LayerError(
      ErrorCodes.LOCK_UNSUPPORTED,
      `uv.lock has no package for the project${name ? ` ${name}` : ''} itself (a workspace without a root project?)`,
      {
        hint: 'give pyproject.toml a [project] table with the dependencies of the layer, then run `uv lock`',
      },
    );
  }
  return found;
}

function edgesOf(value: unknown, owner: string): UvEdge[] {
  return arrayOf(value).map((entry) => {
    const table = tableOf(entry);
    const name = stringOf(table.name);
    if (!name) throw lockInvalid('uv.lock', `a dependency of ${owner} has no name`, RELOCK);
    return {
      name: normalizePackageName(name),
      version: stringOf(table.version),
      source: isTable(table.source) ? table.source : undefined,
      extras: arrayOf(table.extra)
        .filter((extra): extra is string => typeof extra === 'string')
        .map(normalizeExtra),
      marker: stringOf(table.marker),
    };
  });
}

function sameSource(a: TomlTable, b: TomlTable): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}

function packageSource(node: UvNode): PackageSource {
  const { source } = node;
  const registry = stringOf(source.registry);
  if (registry !== undefined) return { kind: 'registry', url: registry };
  const url = stringOf(source.url);
  if (url !== undefined) return { kind: 'url', url };
  const git = stringOf(source.git);
  if (git !== undefined) {
    // uv writes `https://host/repo?rev=main&subdirectory=pkg#<commit>`.
    const [location = '', commit = ''] = git.split('#');
    const parsed = new URL(location);
    const subdirectory = parsed.searchParams.get('subdirectory') ?? undefined;
    parsed.search = '';
    return { kind: 'git', url: parsed.toString(), commit, ...(subdirectory ? { subdirectory } : {}) };
  }
  const path = stringOf(source.path) ?? stringOf(source.directory) ?? stringOf(source.editable) ?? stringOf(source.virtual);
  if (path !== undefined) return { kind: 'path', path, editable: source.editable !== undefined };
  throw lockInvalid('uv.lock', `${node.name} ${node.version} has a source uv.lock does not describe: ${JSON.stringify(source)}`, RELOCK);
}

function fileName(entry: TomlTable, fallback: string | undefined): string {
  const explicit = stringOf(entry.filename) ?? stringOf(entry.path);
  if (explicit) return explicit.split('/').pop() as string;
  const url = stringOf(entry.url) ?? fallback;
  if (!url) return '';
  return decodeURIComponent(new URL(url, 'file:///').pathname.split('/').pop() ?? '');
}

function packageFiles(node: UvNode, source: PackageSource): LockedFile[] {
  const directUrl = source.kind === 'url' ? source.url : undefined;
  const entries = [...arrayOf(node.table.wheels), ...(isTable(node.table.sdist) ? [node.table.sdist] : [])].map(tableOf);
  const files: LockedFile[] = [];
  for (const entry of entries) {
    const sha256 = sha256Of(entry.hash);
    if (!sha256) continue;
    const url = stringOf(entry.url) ?? directUrl;
    files.push({ name: fileName(entry, directUrl), sha256, ...(url ? { url } : {}) });
  }
  return files;
}

/** The marker environment plus the extras the project asked for, in both spellings uv writes them. */
function environmentFor(target: LockTarget, projectName: string): MarkerEnvironment {
  const extras = new Set<string>();
  for (const extra of target.extras ?? []) {
    const normalized = normalizeExtra(extra);
    extras.add(normalized);
    // uv encodes the project's extras in conflict markers as extra-<len>-<package>-<extra>.
    extras.add(`extra-${projectName.length}-${projectName}-${normalized}`);
  }
  return { values: target.environment, extras };
}

/**
 * The main dependencies of the project in uv.lock, for one target: name,
 * exact version, source and hashes, with every marker evaluated. Throws a
 * LayerError naming the package when the lock is inconsistent.
 */
export function readUvLock(input: string | UvLock, target: LockTarget, options: { projectName?: string } = {}): LockedInstallSet {
  const lock = typeof input === 'string' ? parseUvLock(input) : input;
  checkTargetPython(lock.requiresPython, target.environment, 'uv.lock');
  const project = findUvProject(lock, options.projectName);
  const environment = environmentFor(target, project.name);
  const byName = new Map<string, UvNode[]>();
  for (const node of lock.packages) byName.set(node.name, [...(byName.get(node.name) ?? []), node]);

  const resolve = (edge: UvEdge, from: UvNode): UvNode => {
    const candidates = (byName.get(edge.name) ?? []).filter(
      (node) => (edge.version === undefined || node.version === edge.version) && (edge.source === undefined || sameSource(node.source, edge.source)),
    );
    if (candidates.length === 1) return candidates[0] as UvNode;
    const problem = candidates.length ? `matches ${candidates.length} locked packages` : 'is not in the lock';
    throw lockInvalid('uv.lock', `${from.name} depends on ${edge.name}${edge.version ? ` ${edge.version}` : ''}, which ${problem}`, RELOCK);
  };

  const holds = (edge: UvEdge, from: UvNode): boolean => {
    try {
      return evaluateMarker(edge.marker, environment);
    } catch (error) {
      if (error instanceof MarkerSyntaxError) throw lockInvalid('uv.lock', `${from.name} -> ${edge.name}: ${error.message}`, RELOCK);
      throw error;
    }
  };

  const reached = new Map<UvNode, { extras: Set<string>; markers: Set<string> }>();
  const pending: Array<{ edge: UvEdge; from: UvNode }> = [];
  const follow = (node: UvNode, extras: readonly string[], firstVisit: boolean) => {
    if (firstVisit) for (const edge of edgesOf(node.table.dependencies, node.name)) pending.push({ edge, from: node });
    const optional = tableOf(node.table['optional-dependencies']);
    for (const extra of extras) {
      const key = Object.keys(optional).find((name) => normalizeExtra(name) === extra);
      if (key) for (const edge of edgesOf(optional[key], node.name)) pending.push({ edge, from: node });
    }
  };

  reached.set(project, { extras: new Set(environment.extras), markers: new Set() });
  follow(project, [...(target.extras ?? [])].map(normalizeExtra), true);
  while (pending.length) {
    const { edge, from } = pending.shift() as { edge: UvEdge; from: UvNode };
    if (!holds(edge, from)) continue;
    const node = resolve(edge, from);
    const state = reached.get(node);
    const newExtras = edge.extras.filter((extra) => !state?.extras.has(extra));
    if (state) {
      for (const extra of newExtras) state.extras.add(extra);
      if (edge.marker) state.markers.add(edge.marker);
      follow(node, newExtras, false);
      continue;
    }
    reached.set(node, { extras: new Set(edge.extras), markers: new Set(edge.marker ? [edge.marker] : []) });
    follow(node, edge.extras, true);
  }

  const packages: LockedPackage[] = [];
  for (const [node, state] of reached) {
    // --no-emit-project: the project itself is not a dependency of its layer.
    if (node === project) continue;
    const source = packageSource(node);
    packages.push({ name: node.name, version: node.version, source, files: packageFiles(node, source), markers: [...state.markers].sort() });
  }
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { lockFile: 'uv.lock', requiresPython: lock.requiresPython, packages };
}
