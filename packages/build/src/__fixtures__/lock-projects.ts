/**
 * Real locks for the lock-reader tests: small pure-Python wheels written here
 * (so the dependency graph can have every kind of edge: markers on
 * python_version, sys_platform and platform_machine, extras of dependencies,
 * the project's own extras, two versions of one package split by Python
 * version, a dev group, a second index), served by loopback indexes, locked
 * by the real `uv lock` and `poetry lock` from .tools/venv. The oracle is the
 * tools' own export (`uv export`, `poetry export`), whose markers the real
 * `packaging` library evaluates for each target.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PackageIndex, run, startPackageIndex, toolCacheEnv, toolsBin, wheelCacheDir } from '@lambda-layer/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import type { LockedInstallSet } from '../locks/locked-package.js';
import { readPoetryLock } from '../locks/poetry-lock.js';
import { readUvLock } from '../locks/uv-lock.js';
import { targetMarkerEnvironment } from '../markers.js';
import { targetPlatform } from '../platform.js';

export interface WheelSpec {
  name: string;
  version: string;
  requires?: string[];
  extras?: string[];
}

const WRITE_WHEELS = `
import base64, hashlib, json, os, sys, zipfile
out = sys.argv[1]
for spec in json.loads(sys.stdin.read()):
    name, version = spec["name"], spec["version"]
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Provides-Extra: {e}" for e in spec.get("extras", [])]
    meta += [f"Requires-Dist: {r}" for r in spec.get("requires", [])]
    files = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\\n",
        f"{info}/METADATA": "\\n".join(meta) + "\\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: lock-fixtures\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b'=').decode()},{len(c.encode())}" for p, c in files.items()]
    files[f"{info}/RECORD"] = "\\n".join(record + [f"{info}/RECORD,,"]) + "\\n"
    with zipfile.ZipFile(os.path.join(out, f"{dist}-{version}-py3-none-any.whl"), "w") as archive:
        for path, content in files.items():
            entry = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
`;

/** Writes pure-Python wheels (py3-none-any) into `dir`. */
export async function writeWheels(dir: string, specs: readonly WheelSpec[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const result = await run(join(toolsBin, 'python'), ['-c', WRITE_WHEELS, dir], { input: JSON.stringify(specs) });
  if (result.code !== 0) throw new Error(`writing wheels failed: ${result.stderr}`);
}

/** The graph every test project depends on (index "main"); `zeta` lives on a second index. */
export const MAIN_WHEELS: WheelSpec[] = [
  {
    name: 'alpha',
    version: '1.0',
    extras: ['extra1'],
    requires: [
      'beta>=1',
      'winonly; sys_platform == "win32"',
      'armonly; platform_machine == "aarch64"',
      'oldpy; python_version < "3.12"',
      'gamma[fast]',
      'epsilon; extra == "extra1"',
    ],
  },
  { name: 'beta', version: '1.0' },
  { name: 'beta', version: '2.0' },
  { name: 'gamma', version: '1.0', extras: ['fast'], requires: ['delta; extra == "fast"'] },
  { name: 'delta', version: '1.0' },
  { name: 'epsilon', version: '1.0' },
  { name: 'winonly', version: '1.0' },
  { name: 'armonly', version: '1.0' },
  { name: 'oldpy', version: '1.0' },
  { name: 'newpy', version: '1.0', requires: ['beta==1.0; python_version < "3.12"', 'beta==2.0; python_version >= "3.12"'] },
  { name: 'devonly', version: '1.0' },
  { name: 'viaurl', version: '1.0' },
  { name: 'localwheel', version: '1.0' },
];
export const SECOND_WHEELS: WheelSpec[] = [{ name: 'zeta', version: '1.0' }];

export interface LockIndexes {
  main: PackageIndex;
  second: PackageIndex;
  /** Folder of the main index's own wheels (for file: and URL dependencies). */
  wheelDir: string;
  /** A git repository holding a pure-Python project `gitpkg` (built with setuptools from the main index). */
  gitRepo: string;
  close(): Promise<void>;
}

async function createGitRepo(dir: string): Promise<string> {
  await mkdir(join(dir, 'gitpkg'), { recursive: true });
  await writeFile(
    join(dir, 'pyproject.toml'),
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "gitpkg"\nversion = "1.0"\n',
  );
  await writeFile(join(dir, 'gitpkg', '__init__.py'), 'VERSION = "1.0"\n');
  const git = (args: string[]) =>
    run('git', ['-c', 'user.email=fixture@example.com', '-c', 'user.name=fixture', '-c', 'init.defaultBranch=main', ...args], { cwd: dir });
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'gitpkg 1.0'],
  ]) {
    const result = await git(args);
    if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  }
  return dir;
}

/** Two loopback indexes: "main" (the fixture wheels plus the real wheel cache, for a package with platform wheels) and "second". */
export async function startLockIndexes(): Promise<LockIndexes> {
  const root = await mkdtemp(join(tmpdir(), 'lock-wheels-'));
  const wheelDir = join(root, 'main');
  await writeWheels(wheelDir, MAIN_WHEELS);
  await writeWheels(join(root, 'second'), SECOND_WHEELS);
  const [main, second] = await Promise.all([
    startPackageIndex({ dirs: [wheelDir, wheelCacheDir] }),
    startPackageIndex({ dirs: [join(root, 'second')] }),
  ]);
  const gitRepo = await createGitRepo(join(root, 'gitpkg-repo'));
  return {
    main,
    second,
    wheelDir,
    gitRepo,
    close: async () => {
      await Promise.all([main.close(), second.close()]);
    },
  };
}

export interface LockProjectSpec {
  /** [project].dependencies */
  dependencies: string[];
  /** [project.optional-dependencies] */
  optional?: Record<string, string[]>;
  /** dev group (uv [dependency-groups] / Poetry group.dev) */
  dev?: string[];
  /** Packages that come from the second index, named as their source (uv [tool.uv.sources], Poetry `source = …`). */
  fromSecond?: string[];
  /**
   * How the second index is declared: `explicit` (the default) serves only the packages that name it;
   * `supplemental` is searched for every package, so one found only there is locked from it without naming it
   * (uv: an index without `explicit`, searched before the default one; Poetry: `priority = "supplemental"`, after the primary).
   */
  secondIndex?: 'explicit' | 'supplemental';
  requiresPython?: string;
}

/** The test graph: markers of every kind, extras on a dependency and on the project, a version split by Python, two indexes, a dev group, a URL and a git dependency. */
export function graphProject(indexes: LockIndexes): LockProjectSpec {
  return {
    dependencies: [
      'alpha[extra1]==1.0',
      'newpy==1.0',
      'zeta==1.0',
      "six==1.17.0; platform_machine == 'x86_64'",
      `viaurl @ ${indexes.main.url.replace(/simple\/$/, '')}files/viaurl-1.0-py3-none-any.whl`,
      `gitpkg @ git+file://${indexes.gitRepo}`,
    ],
    optional: { feature: ['pyyaml==6.0.2'], other: ['markupsafe==3.0.2'] },
    dev: ['devonly==1.0'],
    fromSecond: ['zeta'],
  };
}

const quote = (values: readonly string[]) => values.map((value) => JSON.stringify(value)).join(', ');

function pyprojectFor(tool: 'uv' | 'poetry', spec: LockProjectSpec, indexes: LockIndexes): string {
  const lines = [
    '[project]',
    'name = "lock-fixture"',
    'version = "0.1.0"',
    `requires-python = "${spec.requiresPython ?? '>=3.11'}"`,
    `dependencies = [${quote(spec.dependencies)}]`,
    '',
    '[project.optional-dependencies]',
    ...Object.entries(spec.optional ?? {}).map(([extra, values]) => `${extra} = [${quote(values)}]`),
    '',
  ];
  if (tool === 'uv') {
    lines.push('[dependency-groups]', `dev = [${quote(spec.dev ?? [])}]`, '');
    lines.push('[[tool.uv.index]]', 'name = "main"', `url = "${indexes.main.url}"`, 'default = true', '');
    lines.push(
      '[[tool.uv.index]]',
      'name = "second"',
      `url = "${indexes.second.url}"`,
      ...(spec.secondIndex === 'supplemental' ? [] : ['explicit = true']),
      '',
    );
    lines.push('[tool.uv.sources]', ...(spec.fromSecond ?? []).map((name) => `${name} = { index = "second" }`), '');
  } else {
    lines.push('[tool.poetry]', 'package-mode = false', '');
    lines.push('[tool.poetry.dependencies]', ...(spec.fromSecond ?? []).map((name) => `${name} = { source = "second" }`), '');
    lines.push(
      '[tool.poetry.group.dev.dependencies]',
      ...(spec.dev ?? []).map((dep) => `${dep.split('==')[0]} = "${dep.split('==')[1] ?? '*'}"`),
      '',
    );
    lines.push('[[tool.poetry.source]]', 'name = "main"', `url = "${indexes.main.url}"`, 'priority = "primary"', '');
    lines.push('[[tool.poetry.source]]', 'name = "second"', `url = "${indexes.second.url}"`, `priority = "${spec.secondIndex ?? 'explicit'}"`, '');
  }
  return `${lines.join('\n')}\n`;
}

/** The tools' environment: caches out of the home folder, and [tool.uv] read (the suite sets UV_NO_CONFIG). */
export function lockToolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv, PATH: `${toolsBin}:${process.env.PATH ?? ''}` };
  delete env.UV_NO_CONFIG;
  return env;
}

export async function tool(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(join(toolsBin, command), args, { cwd, env: lockToolEnv() });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Writes pyproject.toml for `tool` and locks it with the real tool. */
export async function createLockedProject(toolName: 'uv' | 'poetry', spec: LockProjectSpec, indexes: LockIndexes): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lock-${toolName}-`));
  await writeFile(join(dir, 'pyproject.toml'), pyprojectFor(toolName, spec, indexes));
  if (toolName === 'uv') await tool('uv', ['lock', '--quiet'], dir);
  else await tool('poetry', ['lock', '--no-interaction'], dir);
  return dir;
}

/** `uv export --frozen --no-dev --no-emit-project` / `poetry export --only main`, as the build runs them today. */
export async function exportLock(toolName: 'uv' | 'poetry', dir: string, extras: readonly string[] = []): Promise<string> {
  if (toolName === 'uv') {
    return tool(
      'uv',
      [
        'export',
        '--frozen',
        '--no-dev',
        '--no-emit-project',
        '--format',
        'requirements-txt',
        '--no-header',
        ...extras.flatMap((e) => ['--extra', e]),
      ],
      dir,
    );
  }
  return tool(
    'poetry',
    ['export', '--format', 'requirements.txt', '--only', 'main', '--no-interaction', '--no-ansi', ...extras.flatMap((e) => ['--extras', e])],
    dir,
  );
}

export interface ExportedPackage {
  /** name==version, or name @ url */
  pin: string;
  hashes: string[];
  marker: string | undefined;
}

/** The requirement lines of an export (index options and comments dropped). */
export function parseExport(text: string): ExportedPackage[] {
  const joined = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const out: ExportedPackage[] = [];
  for (const raw of joined) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue;
    const hashes = [...line.matchAll(/--hash=sha256:([0-9a-f]{64})/g)].map((m) => m[1] as string).sort();
    const withoutHashes = line.replace(/\s--hash=\S+/g, '').trim();
    const semicolon = withoutHashes.indexOf(' ;');
    const pin = (semicolon < 0 ? withoutHashes : withoutHashes.slice(0, semicolon)).trim();
    const marker = semicolon < 0 ? undefined : withoutHashes.slice(semicolon + 2).trim();
    out.push({ pin, hashes, marker });
  }
  return out;
}

const EVALUATE_MARKERS = `
import json, sys
from packaging.markers import Marker
cases = json.loads(sys.stdin.read())
print(json.dumps([[Marker(m).evaluate(env) if m else True for m in markers] for env, markers in cases]))
`;

/** Evaluates markers with the real \`packaging\` library (the oracle), one list per environment. */
export async function evaluateWithPackaging(cases: Array<[Record<string, string>, Array<string | undefined>]>): Promise<boolean[][]> {
  const result = await run(join(toolsBin, 'python'), ['-c', EVALUATE_MARKERS], { input: JSON.stringify(cases) });
  if (result.code !== 0) throw new Error(`packaging failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as boolean[][];
}

/**
 * The lock indexes for the tests of one file, with (optionally) the graph
 * project locked by `tool` once: read `fixture.indexes` / `fixture.graphDir` in tests.
 */
export function useLockIndexes(graphTool?: 'uv' | 'poetry'): { readonly indexes: LockIndexes; readonly graphDir: string } {
  let indexes: LockIndexes | undefined;
  let graphDir: string | undefined;
  beforeAll(async () => {
    indexes = await startLockIndexes();
    if (graphTool) graphDir = await createLockedProject(graphTool, graphProject(indexes), indexes);
  }, 120_000);
  afterAll(async () => {
    await indexes?.close();
  });
  return {
    get indexes() {
      if (!indexes) throw new Error('useLockIndexes: only inside tests and hooks');
      return indexes;
    },
    get graphDir() {
      if (!graphDir) throw new Error('useLockIndexes: no graph project was asked for');
      return graphDir;
    },
  };
}

export const ORACLE_TARGETS = [
  { pythonVersion: '3.11', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'arm64' },
  { pythonVersion: '3.13', architecture: 'arm64' },
] as const;

/** What the tool's export installs on one target: normalised pin -> sorted hashes, markers judged by `packaging`. */
export async function exportedForTargets(
  exported: ExportedPackage[],
  environments: Array<Record<string, string>>,
): Promise<Array<Map<string, string[]>>> {
  const verdicts = await evaluateWithPackaging(environments.map((env) => [env, exported.map((pkg) => pkg.marker)]));
  return verdicts.map((row) => {
    const kept = new Map<string, string[]>();
    exported.forEach((pkg, index) => {
      if (row[index]) kept.set(normalizePin(pkg.pin), pkg.hashes);
    });
    return kept;
  });
}

/** The reader's set in the export's shape: pin (`name==version`, `name @ url`, `name @ git+url@commit`) -> sorted hashes. */
export function readerPins(set: LockedInstallSet): Map<string, string[]> {
  return new Map(
    set.packages.map((pkg) => {
      const source = pkg.source;
      const pin =
        source.kind === 'url'
          ? `${pkg.name} @ ${source.url}`
          : source.kind === 'git'
            ? `${pkg.name} @ git+${source.url}@${source.commit}`
            : `${pkg.name}==${pkg.version}`;
      return [pin, [...new Set(pkg.files.map((file) => file.sha256))].sort()];
    }),
  );
}

/** `PyYAML==6.0.2` -> `pyyaml==6.0.2`; `name @ url` keeps its URL. */
export function normalizePin(pin: string): string {
  const match = /^([A-Za-z0-9._-]+)\s*(==|@)\s*(.+)$/.exec(pin);
  if (!match) return pin;
  const name = (match[1] as string).toLowerCase().replace(/[-_.]+/g, '-');
  return match[2] === '==' ? `${name}==${match[3]}` : `${name} @ ${match[3]}`;
}

export const environmentOf = (target: (typeof ORACLE_TARGETS)[number]) => targetMarkerEnvironment(targetPlatform(target));

/** For every oracle target: the reader's set equals what the tool's export lists and `packaging` keeps for that target. */
export async function expectSameAsExport(toolName: 'uv' | 'poetry', dir: string, extras: string[]): Promise<void> {
  const exported = parseExport(await exportLock(toolName, dir, extras));
  const expected = await exportedForTargets(exported, ORACLE_TARGETS.map(environmentOf));
  const lockText = await readFile(join(dir, `${toolName}.lock`), 'utf8');
  ORACLE_TARGETS.forEach((target, index) => {
    const lockTarget = { environment: environmentOf(target), extras };
    const set = toolName === 'uv' ? readUvLock(lockText, lockTarget) : readPoetryLock(lockText, lockTarget);
    expect(readerPins(set), `${target.pythonVersion} ${target.architecture} extras=${extras.join(',')}`).toEqual(expected[index]);
  });
}
