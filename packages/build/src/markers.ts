import { ErrorCodes, LayerError, type Logger, Redactor } from '@lambda-layer/core';
import type { TargetPlatform } from './platform.js';
import type { PinnedPip } from './installers.js';
import type { RequirementEntry } from './requirements.js';
import { type ChildEnv, runTool, tail } from './run-tool.js';

/**
 * pip evaluates environment markers (`; python_version < "3.11"`,
 * `; platform_machine == "aarch64"`) against the host even with --platform and
 * --python-version, so a layer for another target would gain or lose packages.
 * The markers are evaluated here for the target instead, with the `packaging`
 * library the pinned pip vendors (the same PEP 508 implementation that then
 * installs), and removed from the entries pip sees.
 */
const EVALUATE = [
  'import json, sys',
  'sys.path.insert(0, sys.argv[1])',
  'from pip._vendor.packaging.markers import Marker',
  'env = json.loads(sys.argv[2])',
  'print(json.dumps([Marker(m).evaluate(env) for m in json.loads(sys.argv[3])]))',
].join('\n');

/** The marker environment of a Lambda runtime (PEP 508 names). */
export function targetMarkerEnvironment(platform: TargetPlatform): Record<string, string> {
  const full = `${platform.pythonVersion}.0`;
  return {
    python_version: platform.pythonVersion,
    python_full_version: full,
    implementation_name: 'cpython',
    implementation_version: full,
    platform_python_implementation: 'CPython',
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: platform.machine,
    platform_release: '',
    platform_version: '',
    extra: '',
  };
}

/** Splits `name==1.0 ; marker --hash=…` into the requirement with its options, and the marker. */
export function splitMarker(text: string): { requirement: string; marker: string | undefined } {
  const semicolon = text.indexOf(';');
  if (semicolon < 0) return { requirement: text, marker: undefined };
  const rest = text.slice(semicolon + 1);
  const options = rest.search(/\s--[a-z]/);
  const marker = (options < 0 ? rest : rest.slice(0, options)).trim();
  const trailing = options < 0 ? '' : rest.slice(options);
  return { requirement: `${text.slice(0, semicolon).trimEnd()}${trailing}`, marker: marker || undefined };
}

/** Keeps the entries whose marker holds on the target, without their markers. */
export async function applyTargetMarkers(
  entries: readonly RequirementEntry[],
  platform: TargetPlatform,
  pip: PinnedPip,
  options: { env: ChildEnv; logger: Logger },
): Promise<RequirementEntry[]> {
  const split = entries.map((entry) => ({ entry, ...(entry.name ? splitMarker(entry.text) : { requirement: entry.text, marker: undefined }) }));
  const markers = split.filter((item) => item.marker !== undefined).map((item) => item.marker as string);
  if (!markers.length) return [...entries];
  const result = await runTool(pip.command, ['-I', '-c', EVALUATE, pip.libDir, JSON.stringify(targetMarkerEnvironment(platform)), JSON.stringify(markers)], {
    env: options.env,
    redactor: new Redactor(),
    logger: options.logger,
    quietStdout: true,
  });
  let verdicts: boolean[];
  try {
    verdicts = JSON.parse(result.stdout) as boolean[];
  } catch {
    verdicts = [];
  }
  if (result.code !== 0 || verdicts.length !== markers.length) {
    throw new LayerError(ErrorCodes.BUILD_FAILED, `could not evaluate the requirements' environment markers for the target: ${tail(result.output, 3)}`, {
      hint: 'check the markers in the requirements (PEP 508), or build with --container',
    });
  }
  const out: RequirementEntry[] = [];
  let next = 0;
  for (const item of split) {
    if (item.marker === undefined) {
      out.push(item.entry);
      continue;
    }
    const keep = verdicts[next] === true;
    next += 1;
    if (keep) out.push({ name: item.entry.name, text: item.requirement });
    else options.logger.detail(`${item.entry.name}: left out, its marker \`${item.marker}\` does not hold for Python ${platform.pythonVersion} on ${platform.machine}`);
  }
  return out;
}
