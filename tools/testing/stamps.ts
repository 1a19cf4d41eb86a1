/**
 * Stamps for test projects whose artifacts/python/ or layer.zip a test wrote
 * itself: what `layer build` and `layer package` record when they finish, so
 * the next step accepts that work. Built from core's own stamp functions.
 */
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
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
import { writeTree } from './files.js';

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

/** artifacts/python/ relative to a project folder. */
const PYTHON_DIR = relative('/', localLayout('/').pythonDir);

/**
 * A new project below `parent` after `layer build` of a uv.lock: pyproject.toml,
 * uv.lock and artifacts/python/ holding `files` (path -> content, written in
 * order), with the build stamp that vouches for them.
 */
export async function builtProject(parent: string, files: Record<string, string | Buffer> = {}): Promise<string> {
  const python = Object.entries(files).map(([path, content]) => [`${PYTHON_DIR}/${path}`, content] as const);
  const dir = await writeTree(
    parent,
    { 'pyproject.toml': '[project]\nname = "app"\n', 'uv.lock': 'version = 1\n', ...Object.fromEntries(python) },
    'project-',
  );
  await stampBuild(dir, 'uv');
  return dir;
}
