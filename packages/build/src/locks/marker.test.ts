import { describe, expect, it } from 'vitest';
import { evaluateWithPackaging } from '../__fixtures__/lock-projects.js';
import { targetMarkerEnvironment } from '../markers.js';
import { targetPlatform } from '../platform.js';
import { evaluateMarker, MarkerSyntaxError, parseMarker } from './marker.js';

const MARKERS = [
  'python_version < "3.12"',
  "python_full_version >= '3.12.1'",
  'python_version >= "3.8" and python_version < "4.0"',
  'python_version == "3.12.*"',
  'python_version != "3.11.*"',
  'python_version ~= "3.11"',
  '"3.12" <= python_version',
  'sys_platform == "linux" and platform_machine == "aarch64"',
  'sys_platform == "win32" or (platform_machine == "x86_64" and python_version >= "3.12")',
  '(sys_platform != "darwin") and (implementation_name == "cpython" or platform_python_implementation == "PyPy")',
  "'linux' in sys_platform",
  "'arm' not in platform_machine",
  'os_name == "nt"',
  'platform_system == "Linux" and platform_release >= ""',
  'extra == "Socks_Proxy"',
  'extra != "feature"',
  'python_version < "3.13" and extra == "feature"',
  'implementation_version >= "3.12"',
  'platform.machine == "x86_64"',
  'python_version === "3.12"',
];

const TARGETS = [
  { pythonVersion: '3.11', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'x86_64' },
  { pythonVersion: '3.12', architecture: 'arm64' },
  { pythonVersion: '3.13', architecture: 'arm64' },
] as const;

describe('evaluateMarker agrees with the `packaging` library', () => {
  it.each(['', 'socks-proxy', 'feature'])('on every target, with extra %j', async (extra) => {
    const environments = TARGETS.map((target) => targetMarkerEnvironment(targetPlatform(target)));
    const expected = await evaluateWithPackaging(environments.map((env) => [{ ...env, extra }, MARKERS]));
    environments.forEach((values, index) => {
      const ours = MARKERS.map((marker) => evaluateMarker(marker, { values, extras: new Set(extra ? [extra] : []) }));
      expect(ours, `${values.python_version} ${values.platform_machine} extra=${extra}`).toEqual(expected[index]);
    });
  });

  it('treats an absent, empty or `*` marker as always true', () => {
    const environment = { values: {}, extras: new Set<string>() };
    for (const marker of [undefined, '', '  ', '*']) expect(evaluateMarker(marker, environment)).toBe(true);
  });

  it('holds several extras at once, the way Poetry applies a set of extras', () => {
    const environment = { values: {}, extras: new Set(['a', 'b']) };
    expect(evaluateMarker('extra == "a" and extra == "b"', environment)).toBe(true);
    expect(evaluateMarker('extra != "a"', environment)).toBe(false);
    expect(evaluateMarker('"c" in extras', environment)).toBe(false);
  });

  it.each(['python_version <', 'python_version < "3.12" and', 'foo == "1"', '(python_version < "3.12"', 'python_version < "3.12', '"a" == "b"'])(
    'rejects %j with a syntax error naming the marker',
    (marker) => {
      expect(() => parseMarker(marker)).toThrow(MarkerSyntaxError);
      expect(() => parseMarker(marker)).toThrow(/invalid environment marker/);
    },
  );
});
