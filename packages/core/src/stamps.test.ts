import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stampBuild, stampPackage, useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { md5Hex, sha256File } from './fingerprint.js';
import { localLayout } from './layout.js';
import {
  buildResultFromStamp,
  isBuildStampFor,
  isSameStampKey,
  packageStampInput,
  readBuildStamp,
  readPackageStamp,
  verifyArtifacts,
  verifyLayerZip,
} from './stamps.js';

const temp = useTempDir('stamps-', { each: true });

async function builtProject() {
  const dir = temp.path;
  await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  const layout = localLayout(dir);
  await mkdir(join(layout.pythonDir, 'pkg'), { recursive: true });
  await writeFile(join(layout.pythonDir, 'pkg', '__init__.py'), 'x = 1\n');
  const stamp = await stampBuild(dir, 'uv');
  return { dir, layout, stamp };
}

describe('the build stamp', () => {
  it('holds no absolute path and reads back complete', async () => {
    const { dir, layout, stamp } = await builtProject();
    expect(JSON.stringify(stamp)).not.toContain(dir);
    expect(await readBuildStamp(layout)).toEqual(stamp);
    expect(buildResultFromStamp(layout, stamp, 'unchanged')).toMatchObject({ status: 'unchanged', pythonDir: layout.pythonDir, files: 1, bytes: 6 });
    const key = {
      manifestMd5: md5Hex('version = 1\n'),
      tool: 'uv',
      pythonVersion: '3.12',
      architecture: 'x86_64',
      container: false,
      installer: 'uv',
      installerVersion: 'test',
    } as const;
    expect(isBuildStampFor(stamp, key)).toBe(true);
    // Any part of the key that differs means another build: the target, the tool, or the pinned installer and its version.
    for (const change of [
      { manifestMd5: 'def' },
      { tool: 'pip' },
      { pythonVersion: '3.11' },
      { architecture: 'arm64' },
      { container: true },
      { installer: 'pip' },
      { installerVersion: '0.14.0' },
    ] as const) {
      expect(isBuildStampFor(stamp, { ...key, ...change }), JSON.stringify(change)).toBe(false);
    }
  });

  it('is no stamp when half-written or of an older format', async () => {
    const { layout } = await builtProject();
    await writeFile(layout.buildStamp, '{"version": 2, "tool": "uv"');
    expect(await readBuildStamp(layout)).toBeUndefined();
    await writeFile(layout.buildStamp, '{"version": 1, "manifestMd5": "x"}');
    expect(await readBuildStamp(layout)).toBeUndefined();
  });

  it('lets verifyArtifacts accept the tree it describes and refuse anything else by name', async () => {
    const { layout, stamp } = await builtProject();
    expect((await verifyArtifacts(layout)).stamp).toEqual(stamp);
    await writeFile(join(layout.pythonDir, 'pkg', 'extra.py'), '');
    await expect(verifyArtifacts(layout)).rejects.toMatchObject({
      code: ErrorCodes.ARTIFACTS_UNVERIFIED,
      oneLine: 'artifacts/python/ is incomplete or changed since the build (2 files on disk, 1 built); run `layer build`',
    });
    await rm(layout.buildStamp);
    await expect(verifyArtifacts(layout)).rejects.toMatchObject({ code: ErrorCodes.ARTIFACTS_UNVERIFIED, details: { reason: 'no-stamp' } });
  });
});

describe('verifyLayerZip', () => {
  it('accepts the zip its package stamp names, from this manifest and build, and refuses each mismatch with the step to run', async () => {
    const { dir, layout } = await builtProject();
    await writeFile(layout.layerZip, 'zip bytes');
    const facts = async () => ({
      manifest: { file: 'uv.lock', md5: md5Hex('version = 1\n') },
      zipSha256Base64: (await sha256File(layout.layerZip)).base64,
    });
    await expect(verifyLayerZip(layout, await facts())).rejects.toMatchObject({
      code: ErrorCodes.LAYER_ZIP_UNVERIFIED,
      details: { reason: 'no-stamp' },
    });
    await stampPackage(dir, 'uv', await readBuildStamp(layout));
    expect(await verifyLayerZip(layout, await facts())).toEqual(await readPackageStamp(layout));

    await expect(verifyLayerZip(layout, { ...(await facts()), manifest: { file: 'uv.lock', md5: md5Hex('version = 2\n') } })).rejects.toMatchObject({
      oneLine: 'uv.lock changed since layer.zip was packaged; run `layer build` and `layer package`',
    });
    await writeFile(layout.layerZip, 'other bytes');
    await expect(verifyLayerZip(layout, await facts())).rejects.toMatchObject({
      oneLine: 'layer.zip changed since `layer package` wrote it; run `layer package`',
    });
    await writeFile(layout.layerZip, 'zip bytes');
    // A new build since: the zip is of the old one.
    await writeFile(join(layout.pythonDir, 'new.py'), '');
    await stampBuild(dir, 'uv');
    await expect(verifyLayerZip(layout, await facts())).rejects.toMatchObject({ details: { reason: 'build-changed' } });
    // Only the zip and its stamp (an upload job that received just those): the manifest decides.
    await rm(layout.buildStamp);
    expect(await verifyLayerZip(layout, await facts())).toBeDefined();
  });
});

describe('the package stamp input', () => {
  const options = { ignore: [], defaultIgnore: true, keepBytecode: false, compressionLevel: 6 };

  it('changes with every option that changes the zip, and only with those', () => {
    const base = packageStampInput(options);
    expect(packageStampInput({ ...options })).toBe(base);
    for (const changed of [{ compressionLevel: 9 }, { ignore: ['tests'] }, { keepBytecode: true }, { defaultIgnore: false }]) {
      expect(packageStampInput({ ...options, ...changed })).not.toBe(base);
    }
  });
});

describe('isSameStampKey', () => {
  it('compares every field of both keys', () => {
    expect(isSameStampKey({ treeDigest: 'a', input: 'b' }, { treeDigest: 'a', input: 'b' })).toBe(true);
    expect(isSameStampKey({ treeDigest: 'a', input: 'b' }, { treeDigest: 'a', input: 'c' })).toBe(false);
    expect(isSameStampKey<Record<string, string>>({ treeDigest: 'a' }, { treeDigest: 'a', input: 'b' })).toBe(false);
  });
});
