/**
 * Wheels made here for the tests of target selection: real wheel files (zip,
 * METADATA, WHEEL with its tags, RECORD) that pip and uv install like any
 * other, under tags that exercise the glibc and machine rules. Their module
 * says which file it came from (`TAG`), so a test can tell which one an
 * installer picked.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';

export interface WheelSpec {
  name: string;
  version: string;
  /** `cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64` */
  tag: string;
  requiresPython?: string;
}

function recordHash(bytes: Uint8Array): string {
  return `sha256=${createHash('sha256').update(bytes).digest('base64url')}`;
}

/** Writes `name-version-tag.whl` into `dir` and returns its path. */
export async function createWheel(dir: string, spec: WheelSpec): Promise<string> {
  const module = spec.name.replace(/-/g, '_');
  const distInfo = `${module}-${spec.version}.dist-info`;
  const [python, abi, platforms] = spec.tag.split('-') as [string, string, string];
  const text = (value: string) => new TextEncoder().encode(value);
  const files: Record<string, Uint8Array> = {
    [`${module}/__init__.py`]: text(`TAG = ${JSON.stringify(spec.tag)}\n`),
    [`${distInfo}/METADATA`]: text(
      `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n${spec.requiresPython ? `Requires-Python: ${spec.requiresPython}\n` : ''}`,
    ),
    [`${distInfo}/WHEEL`]: text(
      `Wheel-Version: 1.0\nGenerator: lambda-layer-tests\nRoot-Is-Purelib: ${platforms === 'any'}\n${python
        .split('.')
        .flatMap((py) => abi.split('.').flatMap((a) => platforms.split('.').map((plat) => `Tag: ${py}-${a}-${plat}\n`)))
        .join('')}`,
    ),
  };
  const record = [...Object.entries(files).map(([path, bytes]) => `${path},${recordHash(bytes)},${bytes.length}`), `${distInfo}/RECORD,,`].join('\n');
  files[`${distInfo}/RECORD`] = text(`${record}\n`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${module}-${spec.version}-${spec.tag}.whl`);
  // Fixed times, so the same spec is the same bytes (the tools cache files by hash).
  await writeFile(
    path,
    zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, [bytes, { mtime: new Date('1980-01-02T00:00:00Z') }]]))),
  );
  return path;
}
