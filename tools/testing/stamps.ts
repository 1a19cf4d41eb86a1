/**
 * Stamps for test projects whose artifacts/python/ or layer.zip a test wrote
 * itself: what `layer build` and `layer package` record when they finish, so
 * the next step accepts that work. Built from core's own stamp functions.
 */
import { mkdir } from 'node:fs/promises';
import {
  type BuildStamp,
  type BuildTool,
  digestArtifacts,
  localLayout,
  manifestFileName,
  md5Hex,
  readManifest,
  sha256File,
  writeBuildStamp,
  writePackageStamp,
} from '@lambda-layer/core';

/** Records artifacts/python/ (created empty if missing) as a finished build of the project's manifest. */
export async function stampBuild(projectDir: string, tool: BuildTool = 'uv', over: Partial<BuildStamp> = {}): Promise<BuildStamp> {
  const layout = localLayout(projectDir);
  await mkdir(layout.pythonDir, { recursive: true });
  const manifest = await readManifest(layout.manifest(tool), tool).catch(() => ({ fileName: manifestFileName(tool), md5: md5Hex('') }));
  const stamp: BuildStamp = {
    version: 2,
    tool,
    toolVersion: 'test',
    installer: 'uv',
    installerVersion: 'test',
    manifest: { file: manifest.fileName, md5: manifest.md5 },
    target: { pythonVersion: '3.12', architecture: 'x86_64', container: false },
    tree: await digestArtifacts(layout),
    packages: [],
    ...over,
  };
  await writeBuildStamp(layout, stamp);
  return stamp;
}

/** Records the project's layer.zip as packaged from its build (stamping the build first when `build` is not given). */
export async function stampPackage(projectDir: string, tool: BuildTool = 'uv', build?: BuildStamp): Promise<void> {
  const layout = localLayout(projectDir);
  const from = build ?? (await stampBuild(projectDir, tool));
  const zip = await sha256File(layout.layerZip);
  await writePackageStamp(layout, {
    version: 2,
    build: { treeDigest: from.tree.digest, manifest: from.manifest },
    input: 'test',
    zip: { bytes: zip.bytes, sha256Hex: zip.hex, sha256Base64: zip.base64 },
    result: { zippedBytes: zip.bytes, unzippedBytes: from.tree.bytes, files: from.tree.files, excluded: [] },
  });
}
