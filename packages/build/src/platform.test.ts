import { describe, expect, it } from 'vitest';
import { manylinuxGlibc, pipTargetArgs, targetPlatform, uvTargetArgs } from './platform.js';

describe('targetPlatform', () => {
  it('maps 3.8-3.11 to manylinux2014 / manylinux_2_17 (Amazon Linux 2)', () => {
    for (const pythonVersion of ['3.8', '3.9', '3.10', '3.11'] as const) {
      const p = targetPlatform({ pythonVersion, architecture: 'x86_64' });
      expect(p.pipPlatforms).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
      expect(p.uvPlatform).toBe('x86_64-manylinux_2_17');
      expect(p.abiTag).toBe(`cp3${pythonVersion.split('.')[1]}`);
    }
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

  it('reads the glibc a manylinux tag needs', () => {
    expect(manylinuxGlibc('manylinux2014_x86_64')).toEqual({ major: 2, minor: 17, machine: 'x86_64' });
    expect(manylinuxGlibc('manylinux1_x86_64')).toEqual({ major: 2, minor: 5, machine: 'x86_64' });
    expect(manylinuxGlibc('manylinux_2_28_aarch64')).toEqual({ major: 2, minor: 28, machine: 'aarch64' });
    expect(manylinuxGlibc('musllinux_1_2_x86_64')).toBeUndefined();
  });
});
