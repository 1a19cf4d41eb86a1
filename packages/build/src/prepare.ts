import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type BuildTool, ErrorCodes, LayerError, type LocalLayout, type Logger, REQUIRED_PROJECT_FILES } from '@lambda-layer/core';

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
 * Clears build/lambda/layer/. A person at a terminal is asked first (unless
 * --yes); without a terminal nobody can answer, so it goes ahead and says so.
 * Returns whether there was anything to clear.
 */
export async function clearBuildDir(layout: LocalLayout, options: ClearOptions): Promise<boolean> {
  if (!(await isNonEmptyDir(layout.buildDir))) {
    await mkdir(layout.buildDir, { recursive: true });
    return false;
  }
  if (!options.yes) {
    if (options.interactive) {
      const ok = await (options.confirm ?? askOnTerminal)(`Clear ${layout.buildDir}?`);
      if (!ok) {
        throw new LayerError(ErrorCodes.BUILD_DIR_NOT_CLEARED, `the build folder ${layout.buildDir} was not cleared, so nothing was built`, {
          hint: 'answer y, or pass --yes to clear it without asking',
        });
      }
    } else {
      options.logger.detail(`no terminal to ask: clearing ${layout.buildDir} (pass --yes to skip this notice)`);
    }
  }
  // Everything goes but the package step's cache of compressed bytes (see LocalLayout.packageCache).
  for (const entry of await readdir(layout.buildDir)) {
    const path = join(layout.buildDir, entry);
    if (path !== layout.packageCache) await rm(path, { recursive: true, force: true });
  }
  return true;
}

/** Copies pyproject.toml (when there is one) and the lock file into repo/, where the tools run. */
export async function copyProjectFiles(layout: LocalLayout, tool: BuildTool): Promise<string[]> {
  await mkdir(layout.repoDir, { recursive: true });
  const names = new Set<string>(REQUIRED_PROJECT_FILES[tool]);
  const copied: string[] = [];
  for (const name of new Set(['pyproject.toml', ...names])) {
    try {
      await copyFile(join(layout.projectDir, name), layout.repoFile(name));
      copied.push(name);
    } catch (error) {
      // pyproject.toml is optional for a pip build; the required files were checked in preflight.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || names.has(name)) throw error;
    }
  }
  return copied;
}
