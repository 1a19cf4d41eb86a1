import { join, resolve } from 'node:path';
import { type BuildTool, manifestFileName } from './tools.js';

/**
 * The local path layout, relative to the project folder (the one holding
 * pyproject.toml). A contract shared with the Python original: do not change.
 */
export interface LocalLayout {
  projectDir: string;
  pyprojectToml: string;
  /** build/lambda/layer/: kept across builds; a build stages beside artifacts/ and swaps (see CONTRIBUTING.md). */
  buildDir: string;
  /** build/lambda/layer/repo/: scratch copy of pyproject.toml and the lock file. */
  repoDir: string;
  /** build/lambda/layer/artifacts/ */
  artifactsDir: string;
  /** build/lambda/layer/artifacts/python/: the layer's content. */
  pythonDir: string;
  /** build/lambda/layer/layer.zip */
  layerZip: string;
  /** Where each step records what it last did, so a re-run can skip work. */
  buildStamp: string;
  packageStamp: string;
  /**
   * build/lambda/layer/.package-cache/: compressed bytes of files from earlier
   * package runs, keyed by content. A cache, not an output: clearing the build
   * folder keeps it, so a rebuild that changed a few packages re-packages fast.
   */
  packageCache: string;
  /**
   * build/lambda/layer/.multipart-uploads/: one record per multipart upload in
   * flight (bucket, key, upload id, pid), written before the first part is sent
   * and removed when the upload completes or is aborted; a record left behind
   * (kill -9) tells the next upload which incomplete upload to abort.
   */
  multipartUploads: string;
  /** The manifest (lock file) of a tool in the project folder. */
  manifest(tool: BuildTool): string;
  /** The scratch copy of a project file in repo/. */
  repoFile(name: string): string;
}

export function localLayout(projectDir: string): LocalLayout {
  const root = resolve(projectDir);
  const buildDir = join(root, 'build', 'lambda', 'layer');
  const artifactsDir = join(buildDir, 'artifacts');
  const repoDir = join(buildDir, 'repo');
  return {
    projectDir: root,
    pyprojectToml: join(root, 'pyproject.toml'),
    buildDir,
    repoDir,
    artifactsDir,
    pythonDir: join(artifactsDir, 'python'),
    layerZip: join(buildDir, 'layer.zip'),
    buildStamp: join(buildDir, '.build-stamp.json'),
    packageStamp: join(buildDir, '.package-stamp.json'),
    packageCache: join(buildDir, '.package-cache'),
    multipartUploads: join(buildDir, '.multipart-uploads'),
    manifest: (tool) => join(root, manifestFileName(tool)),
    repoFile: (name) => join(repoDir, name),
  };
}
