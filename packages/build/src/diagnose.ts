/**
 * Why pip or uv found nothing to install, in seconds and without compiling:
 * the index's page for each failed package (PEP 503/691) says whether the
 * version exists, whether its wheels need a newer glibc, another machine or
 * another Python, and whether only a source distribution is left (the one
 * case a build may try: pure Python on the host, anything else in --container).
 */
import { type ErrorCode, ErrorCodes, LayerError, normalizePackageName, PYTHON_VERSIONS, type PythonVersion } from '@lambda-layer/core';
import { clean, gt, parse, rcompare, satisfies, valid, validRange } from '@renovatebot/pep440';
import { mapLimit } from './concurrency.js';
import type { IndexCredentials } from './index-credentials.js';
import { indexName } from './index-probe.js';
import {
  describeTarget,
  isInterpreterCompatible,
  isPythonAdmitted,
  isWheelCompatible,
  manylinuxGlibc,
  parseWheelName,
  type TargetPlatform,
  targetPlatform,
  type WheelName,
  wheelTagTriples,
} from './platform.js';
import { fetchProjectPage, type IndexFile } from './simple-index.js';

/** A requirement as an installer saw it: a name and a PEP 440 specifier (`==2.4.6`, `>=2,<3`, or empty). */
export interface RequirementSpec {
  name: string;
  specifier: string;
}

/** One package the build refuses, with the reason in one line. */
export interface Refusal {
  package: string;
  version: string | undefined;
  code: ErrorCode;
  /** `numpy 2.4.6: its Linux wheels need glibc 2.27 (manylinux_2_27); python3.11 on Lambda has 2.26 — pin numpy<2.3 or target python3.12` */
  message: string;
  hint: string;
}

/** A version with no wheel at all: only its source distribution can give one. */
export interface SourceOnly {
  name: string;
  version: string;
  sdist: IndexFile;
}

export interface Diagnosis {
  refusals: Refusal[];
  sourceOnly: SourceOnly[];
}

/** `numpy==2.4.6 --hash=…`, `six>=1.16`, `requests[socks]==2.32.3` → name and specifier; undefined for options and direct URLs. */
export function parseRequirementSpec(text: string): RequirementSpec | undefined {
  const requirement = (text.split(/\s+--?[A-Za-z]/)[0] ?? '').split(';')[0]?.trim() ?? '';
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$/.exec(requirement);
  if (!match || (match[2] ?? '').startsWith('@')) return undefined;
  return { name: normalizePackageName(match[1] as string), specifier: (match[2] ?? '').replace(/^\(|\)$/g, '').replace(/\s+/g, '') };
}

/** What pip quoted of each requirement it could not satisfy ("…satisfies the requirement numpy<2.3,>=1.2 (from pandas)"). */
export function pipRequirementSpecs(output: string): RequirementSpec[] {
  const specs: RequirementSpec[] = [];
  for (const match of output.matchAll(/satisfies the requirement (\S+)/g)) {
    const spec = parseRequirementSpec(match[1] as string);
    if (spec) specs.push(spec);
  }
  return specs;
}

const SDIST = /\.(tar\.gz|tgz|tar\.bz2|zip)$/;

/** The version a file is of: from the wheel name, or the last dash-separated part of an sdist name. */
export function fileVersion(file: IndexFile): string | undefined {
  const wheel = parseWheelName(file.filename);
  const raw = wheel?.version ?? (SDIST.test(file.filename) ? file.filename.replace(SDIST, '').split('-').pop() : undefined);
  if (!raw || !valid(raw)) return undefined;
  return clean(raw) ?? raw;
}

function isPrerelease(version: string): boolean {
  const parsed = parse(version);
  return Boolean(parsed?.pre ?? parsed?.dev);
}

interface VersionFiles {
  version: string;
  files: IndexFile[];
  yanked: boolean;
}

/** The project's files grouped by version, newest first. */
export function groupByVersion(files: readonly IndexFile[]): VersionFiles[] {
  const groups = new Map<string, IndexFile[]>();
  for (const file of files) {
    const version = fileVersion(file);
    if (version) groups.set(version, [...(groups.get(version) ?? []), file]);
  }
  return [...groups.entries()]
    .map(([version, list]) => ({ version, files: list, yanked: list.every((file) => file.yanked) }))
    .sort((a, b) => rcompare(a.version, b.version));
}

/** Versions an installer would consider for the specifier: `==` admits any, ranges skip pre-releases and yanked ones. */
function candidates(versions: readonly VersionFiles[], specifier: string): VersionFiles[] {
  if (!specifier) return versions.filter((v) => !v.yanked && !isPrerelease(v.version));
  if (!validRange(specifier)) return [];
  const exact = /^===?[^,]+$/.test(specifier);
  return versions.filter((v) => satisfies(v.version, specifier) && (exact || (!v.yanked && !isPrerelease(v.version))));
}

function requiresPythonOf(files: readonly IndexFile[]): string | undefined {
  return files.find((file) => file.requiresPython)?.requiresPython;
}

/** Whether a version installs on the target from a wheel (its Requires-Python admitting the target). */
function fitsFromWheel(group: VersionFiles, platform: TargetPlatform): boolean {
  const requires = requiresPythonOf(group.files);
  if (requires && !isPythonAdmitted(requires, platform.pythonVersion)) return false;
  return group.files.some((file) => {
    const wheel = parseWheelName(file.filename);
    return wheel !== undefined && isWheelCompatible(wheel, platform);
  });
}

/** `2.3.0` → `2.3`: the bound as people write it. */
function shortVersion(version: string): string {
  const parts = version.split('.');
  while (parts.length > 2 && parts.at(-1) === '0') parts.pop();
  return parts.join('.');
}

/** "pin numpy<2.3" (when an older version fits) and "target python3.12" (when another runtime takes this version). */
function suggestions(name: string, group: VersionFiles, all: readonly VersionFiles[], platform: TargetPlatform): string[] {
  const out: string[] = [];
  const releases = all.filter((v) => !v.yanked && !isPrerelease(v.version));
  const fitting = releases.find((v) => gt(group.version, v.version) && fitsFromWheel(v, platform));
  if (fitting) {
    const next = [...releases].reverse().find((v) => gt(v.version, fitting.version));
    out.push(next ? `pin ${name}<${shortVersion(next.version)}` : `pin ${name}==${fitting.version}`);
  }
  const current = PYTHON_VERSIONS.indexOf(platform.pythonVersion);
  const others = [...PYTHON_VERSIONS.slice(current + 1), ...PYTHON_VERSIONS.slice(0, current).reverse()];
  const other = others.find((version: PythonVersion) =>
    fitsFromWheel(group, targetPlatform({ pythonVersion: version, architecture: platform.architecture })),
  );
  if (other) out.push(`target python${other}`);
  return out;
}

function withSuggestions(message: string, tips: readonly string[]): string {
  return tips.length ? `${message} — ${tips.join(' or ')}` : message;
}

const HINTS = {
  notFound: 'fix the pin in the lock or requirements (or the index URL), then build again',
  wheel: 'pin a version with a wheel for the target, choose another --python-version, or build from source in the SAM image with --container (slow)',
  python: 'pin a version that supports the target Python, or choose another --python-version',
} as const;

/** Names the platform tags of wheels that do not fit, for a message: `cp311, cp312`. */
function listTags(wheels: readonly WheelName[], pick: (wheel: WheelName) => string[]): string {
  return [...new Set(wheels.flatMap(pick))].sort().join(', ');
}

/**
 * Why `name` (with `specifier`) cannot be installed on the target from these
 * index files: a refusal, a source-only version, or undefined when a fitting
 * wheel exists (the installer failed for another reason).
 */
export function explainPackage(
  spec: RequirementSpec,
  files: readonly IndexFile[],
  platform: TargetPlatform,
  index: string,
): Refusal | SourceOnly | undefined {
  const { name, specifier } = spec;
  const versions = groupByVersion(files);
  const releases = versions.filter((v) => !v.yanked && !isPrerelease(v.version));
  const newest = releases[0]?.version ?? versions[0]?.version;
  const matching = candidates(versions, specifier);
  const group = matching[0];
  const target = describeTarget(platform);
  if (!group) {
    const exact = /^===?([^,]+)$/.exec(specifier)?.[1];
    const what = exact
      ? `${name} ${exact} does not exist on ${index}`
      : `no version of ${name}${specifier ? ` ${specifier}` : ''} exists on ${index}`;
    return {
      package: name,
      version: exact,
      code: ErrorCodes.PACKAGE_NOT_FOUND,
      message: `${what}${newest ? ` (newest: ${newest})` : ''}`,
      hint: HINTS.notFound,
    };
  }
  const { version } = group;
  const label = `${name} ${version}`;
  const requires = requiresPythonOf(group.files);
  if (requires && !isPythonAdmitted(requires, platform.pythonVersion)) {
    return {
      package: name,
      version,
      code: ErrorCodes.PYTHON_VERSION_EXCLUDED,
      message: withSuggestions(
        `${label} requires Python ${requires}, which excludes ${platform.runtime.identifier}`,
        suggestions(name, group, versions, platform),
      ),
      hint: HINTS.python,
    };
  }
  const wheels = group.files.map((file) => parseWheelName(file.filename)).filter((wheel): wheel is WheelName => wheel !== undefined);
  if (wheels.some((wheel) => isWheelCompatible(wheel, platform))) return undefined;
  const sdist = group.files.find((file) => SDIST.test(file.filename));
  const binary = wheels.filter((wheel) => !wheel.platformTags.includes('any'));
  if (!binary.length) {
    if (sdist) return { name, version, sdist };
    return {
      package: name,
      version,
      code: ErrorCodes.NO_COMPATIBLE_WHEEL,
      message: `${label} has no wheel for ${target} and no source distribution on ${index}`,
      hint: HINTS.wheel,
    };
  }

  // Native code: say what the wheels need that the target lacks.
  const tips = suggestions(name, group, versions, platform);
  const refuse = (message: string): Refusal => ({
    package: name,
    version,
    code: ErrorCodes.NO_COMPATIBLE_WHEEL,
    message: withSuggestions(message, tips),
    hint: HINTS.wheel,
  });
  const forPython = binary.filter((wheel) =>
    wheelTagTriples(wheel).some((tag) => isInterpreterCompatible(tag.split('-')[0] as string, tag.split('-')[1] as string, platform)),
  );
  const linuxFor = (wheel: WheelName, machine: string) =>
    wheel.platformTags.map(manylinuxGlibc).filter((tag) => tag?.machine === machine) as Array<{ major: number; minor: number }>;
  const glibcs = forPython.flatMap((wheel) => linuxFor(wheel, platform.machine));
  if (glibcs.length) {
    const lowest = glibcs.reduce((a, b) => (a.major < b.major || (a.major === b.major && a.minor < b.minor) ? a : b));
    return refuse(
      `${label}: its Linux wheels need glibc ${lowest.major}.${lowest.minor} (manylinux_${lowest.major}_${lowest.minor}); ${platform.runtime.identifier} on Lambda has ${platform.glibc.major}.${platform.glibc.minor}`,
    );
  }
  const otherMachines = [
    ...new Set(
      forPython.flatMap((wheel) =>
        wheel.platformTags
          .map(manylinuxGlibc)
          .filter((tag) => tag !== undefined)
          .map((tag) => tag.machine),
      ),
    ),
  ];
  if (otherMachines.length)
    return refuse(
      `${label} has no Linux wheel for ${platform.machine} (${platform.architecture}); its Linux wheels are for ${otherMachines.sort().join(', ')}`,
    );
  const linux = binary.filter((wheel) => linuxFor(wheel, platform.machine).length);
  if (linux.length)
    return refuse(`${label} has no wheel for ${platform.runtime.identifier}; its Linux wheels are for ${listTags(linux, (wheel) => wheel.abiTags)}`);
  return refuse(
    `${label} has no manylinux wheel (its wheels are for ${listTags(binary, (wheel) => wheel.platformTags.map((tag) => tag.replace(/_.*$/, '')))})`,
  );
}

/**
 * Reads the index page of each failed requirement (eight at a time) and says
 * why it failed. An unreachable index is one refusal for the whole build.
 */
export async function diagnoseRequirements(
  specs: readonly RequirementSpec[],
  options: { platform: TargetPlatform; indexUrl: string | undefined; credentials: IndexCredentials; timeoutMs?: number },
): Promise<Diagnosis> {
  const index = indexName(options.indexUrl);
  const diagnosis: Diagnosis = { refusals: [], sourceOnly: [] };
  const unique = [...new Map(specs.map((spec) => [spec.name, spec])).values()];
  const results = await mapLimit(unique, 8, async (spec): Promise<Refusal | SourceOnly | undefined> => {
    const page = await fetchProjectPage(options.indexUrl, spec.name, options.credentials, { timeoutMs: options.timeoutMs ?? 15_000 });
    if (page.ok) return explainPackage(spec, page.page.files, options.platform, index);
    const { failure } = page;
    if (failure.kind === 'unreachable') {
      return {
        package: spec.name,
        version: undefined,
        code: ErrorCodes.INDEX_UNREACHABLE,
        message: `cannot reach ${index}: ${failure.reason}`,
        hint: 'check the index URL and the network (and HTTPS_PROXY, if you need one), then build again',
      };
    }
    if (failure.status === 404)
      return {
        package: spec.name,
        version: undefined,
        code: ErrorCodes.PACKAGE_NOT_FOUND,
        message: `${spec.name} does not exist on ${index}`,
        hint: HINTS.notFound,
      };
    const auth = failure.status === 401 || failure.status === 403;
    return {
      package: spec.name,
      version: undefined,
      code: auth ? ErrorCodes.INDEX_AUTH_FAILED : ErrorCodes.BUILD_FAILED,
      message: `${index} answered HTTP ${failure.status} for ${spec.name}`,
      hint: auth ? 'set LAYER_INDEX_USERNAME and LAYER_INDEX_PASSWORD to a valid login' : 'check the index, then build again',
    };
  });
  // An unreachable index is the one reason, whatever else failed.
  const unreachable = results.find((result) => result && 'code' in result && result.code === ErrorCodes.INDEX_UNREACHABLE);
  if (unreachable) return { refusals: [unreachable as Refusal], sourceOnly: [] };
  for (const result of results) {
    if (!result) continue;
    if ('code' in result) diagnosis.refusals.push(result);
    else diagnosis.sourceOnly.push(result);
  }
  return diagnosis;
}

/** One error for the refused packages: one line each, the first one's code and hint. */
export function refusalError(refusals: readonly Refusal[], platform: TargetPlatform): LayerError {
  const first = refusals[0] as Refusal;
  const message =
    refusals.length === 1
      ? first.message
      : `${refusals.length} packages cannot be installed for ${describeTarget(platform)}: ${refusals.map((refusal) => refusal.message).join('; ')}`;
  return new LayerError(first.code, message, {
    hint: first.hint,
    details: { refusals: refusals.map(({ package: name, version, code, message: line }) => ({ package: name, version, code, message: line })) },
  });
}
