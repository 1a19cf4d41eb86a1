import { access, readFile, rename, writeFile } from 'node:fs/promises';
import type { Architecture, BuildResult, BuildTool, LocalLayout, PythonVersion } from '@lambda-layer/core';

/** What a build was made from: when all of it matches, a re-run has nothing to do. */
export interface BuildStampKey {
  manifestMd5: string;
  tool: BuildTool;
  pythonVersion: PythonVersion;
  architecture: Architecture;
  container: boolean;
  /** The pinned installer and its version: another pip or uv may install the same lock differently. */
  installer: 'pip' | 'uv';
  installerVersion: string;
}

export interface BuildStamp extends BuildStampKey {
  version: 1;
  builtAt: string;
  result: BuildResult;
}

export async function readBuildStamp(layout: LocalLayout): Promise<BuildStamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(layout.buildStamp, 'utf8')) as BuildStamp;
    return stamp.version === 1 ? stamp : undefined;
  } catch {
    return undefined;
  }
}

export function stampMatches(stamp: BuildStamp | undefined, key: BuildStampKey): stamp is BuildStamp {
  return (
    stamp !== undefined &&
    stamp.manifestMd5 === key.manifestMd5 &&
    stamp.tool === key.tool &&
    stamp.pythonVersion === key.pythonVersion &&
    stamp.architecture === key.architecture &&
    stamp.container === key.container &&
    stamp.installer === key.installer &&
    stamp.installerVersion === key.installerVersion
  );
}

/** The previous result when the stamp matches and artifacts/python/ is still there. */
export async function unchangedResult(layout: LocalLayout, key: BuildStampKey): Promise<BuildResult | undefined> {
  const stamp = await readBuildStamp(layout);
  if (!stampMatches(stamp, key)) return undefined;
  try {
    await access(layout.pythonDir);
  } catch {
    return undefined;
  }
  return { ...stamp.result, status: 'unchanged' };
}

/** Written last, through a rename, so a failed or interrupted build never leaves a stamp behind. */
export async function writeBuildStamp(layout: LocalLayout, key: BuildStampKey, result: BuildResult): Promise<void> {
  const stamp: BuildStamp = { version: 1, ...key, builtAt: new Date().toISOString(), result };
  const temp = `${layout.buildStamp}.tmp`;
  await writeFile(temp, `${JSON.stringify(stamp, null, 2)}\n`);
  await rename(temp, layout.buildStamp);
}
