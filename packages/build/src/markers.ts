import { ErrorCodes, LayerError, type Logger } from '@lambda-layer/core';
import { evaluateMarker, MarkerSyntaxError } from './locks/marker.js';
import type { TargetPlatform } from './platform.js';
import type { RequirementEntry } from './requirements.js';

/**
 * pip evaluates environment markers (`; python_version < "3.11"`,
 * `; platform_machine == "aarch64"`) against the host even with --platform and
 * --python-version, so a layer for another target would gain or lose packages.
 * The markers of a requirements.txt are evaluated here for the target instead
 * (by the PEP 508 evaluator the lock readers use, locks/marker.ts), and
 * removed from the entries either installer sees: pip and uv install the same list.
 */

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

/** Keeps the entries whose marker holds on the target, without their markers; each one left out is logged. */
export function applyTargetMarkers(
  entries: readonly RequirementEntry[],
  platform: TargetPlatform,
  logger: Logger,
  fileName = 'requirements.txt',
): RequirementEntry[] {
  const environment = { values: targetMarkerEnvironment(platform), extras: new Set<string>() };
  const out: RequirementEntry[] = [];
  for (const entry of entries) {
    const { requirement, marker } = entry.name ? splitMarker(entry.text) : { requirement: entry.text, marker: undefined };
    if (marker === undefined) {
      out.push(entry);
      continue;
    }
    let holds: boolean;
    try {
      holds = evaluateMarker(marker, environment);
    } catch (error) {
      if (!(error instanceof MarkerSyntaxError)) throw error;
      throw new LayerError(ErrorCodes.BUILD_FAILED, `${fileName}: ${entry.name}: ${error.message}`, {
        hint: `fix the environment marker in ${fileName} (PEP 508)`,
      });
    }
    if (holds) out.push({ name: entry.name, text: requirement });
    else logger.detail(`${entry.name}: left out, its marker \`${marker}\` does not hold for Python ${platform.pythonVersion} on ${platform.machine}`);
  }
  return out;
}
