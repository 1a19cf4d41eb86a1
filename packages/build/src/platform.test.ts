import { describe, expect, it } from 'vitest';
import {
  isInterpreterCompatible,
  isPythonAdmitted,
  isTagCompatible,
  isWheelCompatible,
  manylinuxGlibc,
  parseWheelName,
  pipTargetArgs,
  targetPlatform,
  uvTargetArgs,
} from './platform.js';

describe('targetPlatform', () => {
  it('maps 3.9-3.11 to every manylinux tag up to 2_26 (Amazon Linux 2, glibc 2.26)', () => {
    for (const pythonVersion of ['3.9', '3.10', '3.11'] as const) {
      const p = targetPlatform({ pythonVersion, architecture: 'x86_64' });
      expect(p.glibc).toEqual({ major: 2, minor: 26 });
      expect(p.pipPlatforms[0]).toBe('manylinux_2_26_x86_64');
      expect(p.pipPlatforms).toContain('manylinux_2_24_x86_64');
      expect(p.pipPlatforms.slice(-2)).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
      expect(p.pipPlatforms).not.toContain('manylinux_2_27_x86_64');
      // uv knows no manylinux_2_26: the nearest above it, with the newer wheels filtered out.
      expect(p.uvPlatform).toBe('x86_64-manylinux_2_28');
      expect(p.uvNeedsWheelFilter).toBe(true);
      expect(p.abiTag).toBe(`cp3${pythonVersion.split('.')[1]}`);
      expect(p.runtime.os.name).toBe('Amazon Linux 2');
    }
    expect(targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' }).uvNeedsWheelFilter).toBe(false);
  });

  it('maps 3.12+ to every manylinux up to 2_34 (Amazon Linux 2023), aarch64 for arm64', () => {
    const p = targetPlatform({ pythonVersion: '3.12', architecture: 'arm64' });
    expect(p.machine).toBe('aarch64');
    expect(p.elfMachine).toBe(183);
    expect(p.pipPlatforms[0]).toBe('manylinux_2_34_aarch64');
    expect(p.pipPlatforms).toContain('manylinux_2_28_aarch64');
    expect(p.pipPlatforms.at(-2)).toBe('manylinux_2_17_aarch64');
    expect(p.pipPlatforms.at(-1)).toBe('manylinux2014_aarch64');
    expect(p.pipPlatforms).toHaveLength(19);
    expect(p.uvPlatform).toBe('aarch64-manylinux_2_34');
    expect(p.dockerPlatform).toBe('linux/arm64');
    expect(targetPlatform({ pythonVersion: '3.13', architecture: 'x86_64' }).dockerPlatform).toBe('linux/amd64');
  });

  it('gives pip and uv the target, never the host', () => {
    const p = targetPlatform({ pythonVersion: '3.12', architecture: 'x86_64' });
    const pip = pipTargetArgs(p);
    expect(pip).toContain('--only-binary=:all:');
    expect(pip.join(' ')).toContain('--implementation cp --python-version 3.12 --abi cp312 --abi abi3 --abi none');
    expect(uvTargetArgs(p)).toEqual(['--python-platform', 'x86_64-manylinux_2_34', '--python-version', '3.12']);
  });

  it('judges wheels as pip does for the target: interpreter, ABI, machine and glibc', () => {
    const py311 = targetPlatform({ pythonVersion: '3.11', architecture: 'x86_64' });
    const wheel = (name: string) => parseWheelName(name) as NonNullable<ReturnType<typeof parseWheelName>>;
    expect(isWheelCompatible(wheel('pandas-2.3.3-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl'), py311)).toBe(true);
    expect(isWheelCompatible(wheel('numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl'), py311)).toBe(false);
    expect(isWheelCompatible(wheel('numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), py311)).toBe(true);
    expect(isWheelCompatible(wheel('numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), py311)).toBe(false);
    expect(isWheelCompatible(wheel('cryptography-44.0.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), py311)).toBe(true);
    expect(isWheelCompatible(wheel('cryptography-44.0.0-cp39-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl'), py311)).toBe(false);
    expect(isWheelCompatible(wheel('six-1.17.0-py2.py3-none-any.whl'), py311)).toBe(true);
    expect(isWheelCompatible(wheel('x-1.0-cp311-cp311-musllinux_1_2_x86_64.whl'), py311)).toBe(false);
    expect(isInterpreterCompatible('cp312', 'abi3', py311)).toBe(false);
    expect(isInterpreterCompatible('py311', 'none', py311)).toBe(true);
    expect(isInterpreterCompatible('py312', 'none', py311)).toBe(false);
    expect(isTagCompatible('cp311-cp311-linux_x86_64', py311, true)).toBe(true);
    expect(parseWheelName('a-1.0-1build-py3-none-any.whl')).toMatchObject({ name: 'a', version: '1.0', pythonTags: ['py3'] });
    expect(parseWheelName('a-1.0.tar.gz')).toBeUndefined();
  });

  it("admits the runtime's Python by Requires-Python, whatever its patch release", () => {
    expect(isPythonAdmitted('>=3.12', '3.11')).toBe(false);
    expect(isPythonAdmitted('>=3.12,<3.13', '3.12')).toBe(true);
    expect(isPythonAdmitted('>=3.11.4', '3.11')).toBe(true);
    expect(isPythonAdmitted('!=3.9.*,>=3.8', '3.9')).toBe(false);
    expect(isPythonAdmitted('>=3.6.*', '3.11')).toBe(true); // not PEP 440: ignored, as pip does
    expect(isPythonAdmitted('', '3.11')).toBe(true);
  });

  it('reads the glibc a manylinux tag needs', () => {
    expect(manylinuxGlibc('manylinux2014_x86_64')).toEqual({ major: 2, minor: 17, machine: 'x86_64' });
    expect(manylinuxGlibc('manylinux1_x86_64')).toEqual({ major: 2, minor: 5, machine: 'x86_64' });
    expect(manylinuxGlibc('manylinux_2_28_aarch64')).toEqual({ major: 2, minor: 28, machine: 'aarch64' });
    expect(manylinuxGlibc('musllinux_1_2_x86_64')).toBeUndefined();
  });
});
