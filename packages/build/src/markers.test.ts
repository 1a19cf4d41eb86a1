import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryLogger, ErrorCodes } from '@lambda-layer/core';
import { createFixtureProject, toolCacheEnv } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { buildLayer } from './build-layer.js';
import { applyTargetMarkers, splitMarker } from './markers.js';
import { targetPlatform } from './platform.js';
import { parseRequirements } from './requirements.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const env: NodeJS.ProcessEnv = { ...process.env, ...toolCacheEnv };
// Markers pip would judge by this x86_64 Python 3.11 host, not by the target.
const REQUIREMENTS = [
  'idna==3.10 ; python_version >= "3.12" \\',
  '    --hash=sha256:946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3',
  'six==1.17.0 ; platform_machine == "aarch64"',
  'attrs==25.1.0 ; python_version < "3.12"',
  'certifi==2025.1.31 ; sys_platform == "win32"',
  'urllib3==2.3.0',
  '',
].join('\n');

describe('environment markers are judged for the target, not the host', () => {
  it('splits a marker from the requirement and its options', () => {
    expect(splitMarker('a==1 ; python_version < "3.11" --hash=sha256:x')).toEqual({
      requirement: 'a==1 --hash=sha256:x',
      marker: 'python_version < "3.11"',
    });
    expect(splitMarker('a==1')).toEqual({ requirement: 'a==1', marker: undefined });
  });

  it('keeps what holds on Python 3.12 arm64 and drops the rest, without starting Python', () => {
    const logger = createMemoryLogger();
    const out = applyTargetMarkers(parseRequirements(REQUIREMENTS), targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' }), logger);
    expect(out.map((entry) => entry.text)).toEqual([
      'idna==3.10 --hash=sha256:946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3',
      'six==1.17.0',
      'urllib3==2.3.0',
    ]);
    expect(logger.lines.join('\n')).toContain('attrs: left out, its marker `python_version < "3.12"` does not hold for Python 3.12 on aarch64');
  });

  it('refuses a marker it cannot read, naming the file and the package', () => {
    expect(() =>
      applyTargetMarkers(
        parseRequirements('six==1.17.0 ; python_version <\n'),
        targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' }),
        createMemoryLogger(),
      ),
    ).toThrow(
      expect.objectContaining({
        code: ErrorCodes.BUILD_FAILED,
        message: expect.stringMatching(/^requirements\.txt: six: invalid environment marker/),
      }),
    );
  });

  it.each(['uv', 'pip'] as const)(
    "a requirements.txt build with %s for 3.12 arm64 on this 3.11 x86_64 host installs the target's set",
    async (installer) => {
      const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
      try {
        await writeFile(join(dir, 'requirements.txt'), REQUIREMENTS.replace(/ \\\n\s+--hash=\S+/, ''));
        const result = await buildLayer({
          projectDir: dir,
          tool: 'pip',
          installer,
          pythonVersion: '3.12',
          architecture: 'arm64',
          indexUrl,
          yes: true,
          env,
        });
        expect(result.packages).toEqual(['idna==3.10', 'six==1.17.0', 'urllib3==2.3.0']);
        const host = await buildLayer({
          projectDir: dir,
          tool: 'pip',
          installer,
          pythonVersion: '3.11',
          architecture: 'x86_64',
          indexUrl,
          yes: true,
          env,
        });
        expect(host.packages).toEqual(['attrs==25.1.0', 'urllib3==2.3.0']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
