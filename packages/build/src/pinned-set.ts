/**
 * Step 2.2: what a build installs, read from the manifest itself. poetry.lock
 * and uv.lock are read by the lock readers (locks/): the main dependencies,
 * exact versions, every file hash, markers evaluated for the target, each
 * package's own index. requirements.txt is taken as it is, its markers
 * evaluated for the target here. Neither Poetry nor uv runs: Poetry is needed
 * only to lock, and the pinned installer (uv by default, or pip) installs
 * exactly this set.
 *
 * A lock records where each package comes from, so the set is split into one
 * group per index and each group is installed from its own index, with the
 * credentials that belong to it and no other: a package locked from a
 * private index is never looked up on pypi.org, nor the other way round.
 */
import { ErrorCodes, LayerError, type Logger } from '@lambda-layer/core';
import type { IndexCredentials } from './index-credentials.js';
import { formatInstallRequirement, type LockedInstallSet, type LockedPackage } from './locks/locked-package.js';
import { applyTargetMarkers } from './markers.js';
import { describeTarget, type TargetPlatform } from './platform.js';
import { parseRequirements, type RequirementEntry, sameIndex } from './requirements.js';

const PYPI = 'https://pypi.org/simple';

/** Packages installed from one index in one installer run. */
export interface InstallGroup {
  /**
   * The index and its credentials. Without a URL the installer uses its own
   * default: pypi.org, or the user's UV_DEFAULT_INDEX / PIP_INDEX_URL.
   */
  index: IndexCredentials;
  entries: RequirementEntry[];
}

export interface PinnedSet {
  /** In install order: the group of most packages first. */
  groups: InstallGroup[];
  /**
   * A lock: every package is pinned with its dependencies, so exactly these are
   * installed (`--no-deps`), nothing is resolved. A requirements.txt may list
   * top-level pins only: the installer resolves the rest.
   */
  complete: boolean;
}

/** How many packages a set pins. */
export function pinnedCount(set: PinnedSet): number {
  return set.groups.reduce((sum, group) => sum + group.entries.filter((entry) => entry.name).length, 0);
}

/** Whether an index URL is pypi.org's (the installers' default). */
export function isPypi(url: string | undefined): boolean {
  return url === undefined || sameIndex(url, PYPI);
}

/** requirements.txt as the pinned set: one group, the user's index (or the installer's default). */
export function requirementsPinnedSet(text: string, platform: TargetPlatform, credentials: IndexCredentials, logger: Logger): PinnedSet {
  const entries = applyTargetMarkers(parseRequirements(text), platform, logger);
  return { groups: [{ index: { ...credentials }, entries }], complete: false };
}

/**
 * A lock's packages that cannot be installed from wheels on this machine:
 * a git checkout or a source archive URL would have to be built here.
 */
function refuseSourceOnlyPackages(set: LockedInstallSet, platform: TargetPlatform): void {
  const needsBuild = set.packages.filter(
    (pkg) => pkg.source.kind === 'git' || (pkg.source.kind === 'url' && !/\.whl$/i.test(new URL(pkg.source.url).pathname)),
  );
  if (!needsBuild.length) return;
  const names = needsBuild
    .map(
      (pkg) =>
        `${pkg.name} (${pkg.source.kind === 'git' ? `git ${pkg.source.url}@${pkg.source.commit.slice(0, 12)}` : (pkg.source as { url: string }).url})`,
    )
    .join(', ');
  throw new LayerError(
    ErrorCodes.LOCK_UNSUPPORTED,
    `${set.lockFile} has packages that come as source, not as wheels, which would have to be built on this machine for ${describeTarget(platform)}: ${names}`,
    {
      hint: 'build with --container (they are built inside the SAM build image), or publish wheels of them to a package index and lock again',
      details: { packages: needsBuild.map((pkg) => pkg.name) },
    },
  );
}

/**
 * Which index (and credentials) each registry the lock names is installed from:
 *
 * - the user's index (`--index-url`, with the credentials from the environment)
 *   is used for the registry the lock records under the same URL; when the lock
 *   records no such registry, the user's index stands in for the lock's main
 *   registry (the one most packages come from: a mirror of it, or the same
 *   index under another name);
 * - without a user index, credentials from the environment go to the lock's
 *   only private registry (none when there are several: name one with --index-url);
 * - pypi.org is left to the installer's default, so a mirror configured for
 *   the installer (UV_DEFAULT_INDEX, PIP_INDEX_URL) still applies.
 */
export function registryIndexes(
  registries: readonly string[],
  user: IndexCredentials,
  mainRegistry: string | undefined,
): Map<string, IndexCredentials> {
  const indexes = new Map<string, IndexCredentials>();
  for (const registry of registries) indexes.set(registry, isPypi(registry) ? {} : { indexUrl: registry });
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty username or password counts as none given
  const hasSecret = Boolean(user.username || user.password);
  if (user.indexUrl) {
    const named = registries.find((registry) => sameIndex(registry, user.indexUrl as string)) ?? mainRegistry;
    if (named !== undefined) indexes.set(named, { ...user });
    return indexes;
  }
  const privateRegistries = registries.filter((registry) => !isPypi(registry));
  if (hasSecret && privateRegistries.length === 1) {
    const only = privateRegistries[0] as string;
    indexes.set(only, { ...user, indexUrl: only });
  }
  return indexes;
}

/** The lock's install set as per-index groups of hash-pinned requirement lines. */
export function lockPinnedSet(
  set: LockedInstallSet,
  platform: TargetPlatform,
  credentials: IndexCredentials,
  options: { container: boolean },
): PinnedSet {
  // In the SAM build image pip builds from source for the target itself.
  if (!options.container) refuseSourceOnlyPackages(set, platform);
  const byRegistry = new Map<string, LockedPackage[]>();
  const direct: LockedPackage[] = [];
  for (const pkg of set.packages) {
    if (pkg.source.kind === 'registry') byRegistry.set(pkg.source.url, [...(byRegistry.get(pkg.source.url) ?? []), pkg]);
    else direct.push(pkg);
  }
  // The registry most packages come from first; on a tie pypi.org, then by URL.
  const registries = [...byRegistry.keys()].sort((a, b) => {
    const count = (byRegistry.get(b)?.length ?? 0) - (byRegistry.get(a)?.length ?? 0);
    if (count !== 0) return count;
    if (isPypi(a) !== isPypi(b)) return isPypi(a) ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const indexes = registryIndexes(registries, credentials, registries[0]);
  // The line as a requirements file reads back: continuation lines joined.
  const entry = (pkg: LockedPackage): RequirementEntry => parseRequirements(formatInstallRequirement(pkg))[0] as RequirementEntry;
  const groups: InstallGroup[] = registries.map((registry) => ({
    index: indexes.get(registry) ?? {},
    entries: (byRegistry.get(registry) ?? []).map(entry),
  }));
  // A direct URL names its file: no index is read for it, so it joins the first group.
  if (direct.length) {
    if (groups.length) groups[0]?.entries.push(...direct.map(entry));
    else groups.push({ index: { ...credentials }, entries: direct.map(entry) });
  }
  return { groups, complete: true };
}
