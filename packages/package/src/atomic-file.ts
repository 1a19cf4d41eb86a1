/**
 * Writes a file through a temporary file in the same folder and a rename, so
 * a crash or a kill never leaves a half-written layer.zip and the previous
 * one survives until the new one is complete (rename is atomic on one file system).
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

export function tempPathFor(target: string): string {
  return join(dirname(target), `${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files of `target` left by runs that were killed (their process is gone); returns their names. */
export async function removeStaleTempFiles(target: string): Promise<string[]> {
  const prefix = `${basename(target)}.`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  const stale: string[] = [];
  for (const name of names) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}(\\d+)\\.[0-9a-f]+\\${TEMP_SUFFIX}$`).exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    await rm(join(dirname(target), name), { force: true });
    stale.push(name);
  }
  return stale;
}

/** Runs `write(tempPath)`, then renames the temp file over `target`; on failure the temp file is removed. */
export async function writeAtomically<T>(target: string, write: (tempPath: string) => Promise<T>): Promise<T> {
  const temp = tempPathFor(target);
  try {
    const result = await write(temp);
    await rename(temp, target);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
