import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  ErrorCodes,
  LayerError,
  type LocalLayout,
  type Logger,
  type ManifestFingerprint,
  removeStaleTempFiles,
  REQUIRED_PROJECT_FILES,
  tempPathFor,
  toLayerErrorFromSystem,
} from '@lambda-layer/core';

export interface ClearOptions {
  yes: boolean;
  interactive: boolean;
  logger: Logger;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

async function isNonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

/** Reads y/n from the terminal (stderr, so --json keeps stdout clean). */
export async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * Asks before a build replaces the previous one: a person at a terminal is
 * asked (unless --yes); without a terminal nobody can answer, so it goes ahead
 * and says so. Nothing is removed here: the previous artifacts/python/ stays
 * until the new one is complete (see swapInArtifacts). Returns whether there
 * is a previous build.
 */
export async function confirmReplaceBuild(layout: LocalLayout, options: ClearOptions): Promise<boolean> {
  if (!(await isNonEmptyDir(layout.artifactsDir))) return false;
  if (options.yes) return true;
  if (options.interactive) {
    const ok = await (options.confirm ?? askOnTerminal)(`Replace the previous build in ${layout.artifactsDir}?`);
    if (!ok) {
      throw new LayerError(ErrorCodes.BUILD_DIR_NOT_CLEARED, `the previous build in ${layout.artifactsDir} was kept, so nothing was built`, {
        hint: 'answer y, or pass --yes to replace it without asking',
      });
    }
  } else {
    options.logger.detail(
      `no terminal to ask: the previous build in ${layout.artifactsDir} is replaced once this one is complete (pass --yes to skip this notice)`,
    );
  }
  return true;
}

/**
 * Clears what a build starts from: repo/ (the scratch copy of the project
 * files) and the temporary folders and files that killed runs left. Returns
 * the names of those it removed.
 */
export async function clearScratch(layout: LocalLayout): Promise<string[]> {
  await mkdir(layout.buildDir, { recursive: true });
  const stale = [...(await removeStaleTempFiles(layout.artifactsDir)), ...(await removeStaleTempFiles(layout.buildStamp))];
  await rm(layout.repoDir, { recursive: true, force: true });
  return stale;
}

/** A fresh, empty folder for the new build beside artifacts/: `.artifacts.<pid>.<random>.tmp/python/`. */
export async function createStagingDir(layout: LocalLayout): Promise<{ artifactsDir: string; pythonDir: string }> {
  const artifactsDir = tempPathFor(layout.artifactsDir);
  const pythonDir = join(artifactsDir, basename(layout.pythonDir));
  await mkdir(pythonDir, { recursive: true });
  return { artifactsDir, pythonDir };
}

/**
 * Puts a complete build in place: the old artifacts/ is renamed aside, the new
 * one renamed in, the old one removed. Each rename is atomic, so a crash at
 * any point leaves the old tree, the new tree, or none under artifacts/ — and
 * the caller removes the old stamp before and writes the new one after, so a
 * stamp never describes a tree it was not written for. A tree renamed aside
 * and not yet removed is removed by the next run (it carries this PID).
 */
export async function swapInArtifacts(layout: LocalLayout, stagingArtifactsDir: string): Promise<void> {
  const aside = tempPathFor(layout.artifactsDir);
  try {
    await rename(layout.artifactsDir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw toLayerErrorFromSystem(error, { path: layout.artifactsDir, doing: `move the previous ${layout.artifactsDir} aside` }) ?? error;
  }
  await rename(stagingArtifactsDir, layout.artifactsDir);
  await rm(aside, { recursive: true, force: true });
}

/**
 * Puts the manifest and pyproject.toml (when there is one) into repo/, where the tools run. The
 * manifest is written from the bytes the preflight read and fingerprinted, not read again: what is
 * installed is exactly what the stamp's MD5 names, even if the file changes meanwhile.
 */
export async function copyProjectFiles(layout: LocalLayout, manifest: Pick<ManifestFingerprint, 'tool' | 'fileName' | 'content'>): Promise<string[]> {
  await mkdir(layout.repoDir, { recursive: true });
  const names = new Set<string>(REQUIRED_PROJECT_FILES[manifest.tool]);
  const copied: string[] = [];
  for (const name of new Set(['pyproject.toml', ...names])) {
    const source = join(layout.projectDir, name);
    try {
      if (name === manifest.fileName) await writeFile(layout.repoFile(name), manifest.content);
      else await copyFile(source, layout.repoFile(name));
      copied.push(name);
    } catch (error) {
      // pyproject.toml is optional for a pip build; the required files were checked in preflight.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || names.has(name)) throw toLayerErrorFromSystem(error, { path: source }) ?? error;
    }
  }
  return copied;
}
