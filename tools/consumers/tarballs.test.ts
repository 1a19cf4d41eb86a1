/**
 * Each `npm pack` tarball, opened as npm would publish it: what ships and
 * what must not, the package.json fields a lone install relies on, and source
 * maps that resolve inside the tarball.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { repoRoot, run, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { staleOutputs } from '../dist.mjs';
import { PACKAGE_NAMES, type PackageName, releaseVersion, tarball } from './consumer.js';

const temp = useTempDir('layer-tarball-check-');

/** What may ship besides package.json, README.md and LICENSE: the build, the bin, and the Nx plugin's generators.json. */
const SHIPPED_ROOTS: Record<PackageName, string[]> = {
  core: ['dist'],
  // The pinned pip and uv (versions and wheel hashes) the build installs into its tool cache.
  build: ['dist', 'pinned-installers.json'],
  package: ['dist'],
  upload: ['dist'],
  publish: ['dist'],
  cli: ['dist', 'bin'],
  nx: ['dist', 'generators.json'],
};

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join(posix.sep))
    .sort();
}

interface Unpacked {
  /** The tarball's `package/` folder. */
  root: string;
  /** Its files, as posix paths relative to root. */
  files: string[];
  manifest: PackageManifest;
}

/** The package.json fields these checks read. */
interface PackageManifest {
  version: string;
  license: string;
  engines: Record<string, string>;
  publishConfig: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, Record<string, string>>;
  bin?: Record<string, string>;
  generators?: string;
  keywords: string[];
  dependencies: Record<string, string | undefined>;
  peerDependencies: Record<string, string | undefined>;
  peerDependenciesMeta: Record<string, unknown>;
}

const unpacked = new Map<PackageName, Promise<Unpacked>>();

/** The tarball's content, extracted once per package. */
function unpack(name: PackageName): Promise<Unpacked> {
  let pending = unpacked.get(name);
  if (!pending) {
    pending = (async () => {
      const dir = join(temp.path, `lambda-layer-${name}`);
      await mkdir(dir);
      const result = await run('tar', ['-xzf', tarball(name), '-C', dir]);
      if (result.code !== 0) throw new Error(`tar -xzf ${tarball(name)} failed: ${result.stderr}`);
      const root = join(dir, 'package');
      return { root, files: await listFiles(root), manifest: JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as PackageManifest };
    })();
    unpacked.set(name, pending);
  }
  return pending;
}

interface SourceMap {
  sources: string[];
  sourcesContent?: Array<string | null>;
}

/** Every `sourceMappingURL` names a map in the tarball, and every source of a map is in the tarball or embedded in the map. */
async function unresolvedSourceMaps(root: string, files: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files.filter((path) => /\.(js|d\.ts)$/.test(path))) {
    const text = await readFile(join(root, file), 'utf8');
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    if (!url) continue;
    const mapPath = join(dirname(join(root, file)), url);
    if (!existsSync(mapPath)) {
      problems.push(`${file}: map ${url} is not in the tarball`);
      continue;
    }
    const map = JSON.parse(await readFile(mapPath, 'utf8')) as SourceMap;
    map.sources.forEach((source, index) => {
      const embedded = typeof map.sourcesContent?.[index] === 'string';
      if (!embedded && !existsSync(join(dirname(mapPath), source))) problems.push(`${file}: source ${source} is neither shipped nor embedded`);
    });
  }
  return problems;
}

describe.each(PACKAGE_NAMES)('the @lambda-layer/%s tarball', (name) => {
  it('ships README.md, the Apache-2.0 LICENSE and its build, and nothing else (no build caches, tests or sources)', async () => {
    const { root, files } = await unpack(name);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(await readFile(join(root, 'LICENSE'), 'utf8')).toBe(await readFile(join(repoRoot, 'LICENSE'), 'utf8'));
    const allowed = ['package.json', 'README.md', 'LICENSE', ...SHIPPED_ROOTS[name]];
    expect(files.filter((file) => !allowed.some((root) => file === root || file.startsWith(`${root}/`)))).toEqual([]);
    expect(files.filter((file) => /\.tsbuildinfo$|\.test\.|\.bench\.|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
  });

  it('ships no stale build output: every dist/ file is built from a source that exists (packing starts from a clean dist)', async () => {
    const { root } = await unpack(name);
    expect(staleOutputs(join(root, 'dist'), join(repoRoot, 'packages', name, 'src'))).toEqual([]);
  });

  it('has source maps that resolve inside the tarball', async () => {
    const { root, files } = await unpack(name);
    expect(
      files.some((file) => file.endsWith('.js.map')),
      'the JavaScript ships with maps',
    ).toBe(true);
    expect(await unresolvedSourceMaps(root, files)).toEqual([]);
  });

  it('installs alone from a registry: sibling ranges, not pinned versions; exports typed for import and require', async () => {
    const { manifest, files } = await unpack(name);
    const version = await releaseVersion();
    expect(manifest.version).toBe(version);
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.engines).toEqual({ node: '>=20.19' });
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    for (const [dependency, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (dependency.startsWith('@lambda-layer/')) expect(range, dependency).toBe(`^${version}`);
      expect(range, `${dependency} has a range npm can resolve`).not.toMatch(/^(workspace:|file:|link:|\*$)/);
    }
    // `types` first (TypeScript takes the first condition that matches), then `default`, which both import and require (Node >= 20.19) take.
    const main = manifest.exports['.'] ?? {};
    expect(Object.keys(main)).toEqual(['types', 'default']);
    for (const target of [main.types, main.default, manifest.main, manifest.types]) expect(files).toContain(posix.normalize(target ?? '(missing)'));
    for (const bin of Object.values(manifest.bin ?? {})) expect(files).toContain(posix.normalize(bin));
    if (manifest.generators) expect(files).toContain(posix.normalize(manifest.generators));
  });
});

describe('the @lambda-layer/nx tarball as an Nx plugin', () => {
  it('names its init generator (what `nx add` runs) with a factory and schema that ship', async () => {
    const { root, files } = await unpack('nx');
    const generators = JSON.parse(await readFile(join(root, 'generators.json'), 'utf8')) as {
      generators: Record<string, { factory: string; schema: string }>;
    };
    const init = generators.generators.init!;
    expect(files).toContain(posix.normalize(init.factory.split('#')[0]!));
    expect(files).toContain(posix.normalize(init.schema));
  });

  it('depends on the CLI its targets run, and on no @nx/devkit that could land on another Nx major than nx', async () => {
    const { manifest } = await unpack('nx');
    expect(manifest.dependencies['@lambda-layer/cli']).toBeDefined();
    expect(manifest.dependencies['@nx/devkit']).toBeUndefined();
    expect(manifest.peerDependencies.nx).toBe('>=21.0.0 <25.0.0');
    expect(manifest.peerDependencies['@nx/devkit']).toBe(manifest.peerDependencies.nx);
    expect(manifest.peerDependenciesMeta['@nx/devkit']).toEqual({ optional: true });
    expect(manifest.keywords).toContain('nx-plugin');
  });
});
