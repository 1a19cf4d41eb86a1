/**
 * Writes through a temporary name in the same folder and a rename, so a crash
 * or a kill never leaves a half-written file (or folder) under its real name,
 * and the previous one survives until the new one is complete: rename is
 * atomic within one file system.
 *
 * Temporary names are hidden and carry the writer's PID
 * (`.layer.zip.<pid>.<random>.tmp`), so the next run can tell the debris of a
 * killed run (its process is gone) from the work of one still running.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './host.js';

const TEMP_SUFFIX = '.tmp';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A fresh temporary path beside `target`, owned by this process. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * The PID of the process that owns a temporary name made by `tempPathFor`
 * (of `target`'s name when given, of any name otherwise); undefined for any other name.
 */
export function tempFileOwner(name: string, target?: string): number | undefined {
  const base = target === undefined ? '.+' : escapeRegExp(basename(target));
  const match = new RegExp(`^\\.${base}\\.(\\d+)\\.[0-9a-f]+${escapeRegExp(TEMP_SUFFIX)}$`).exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Removes the temporary files and folders of `target` left by runs that were
 * killed (their process is gone); returns their names.
 */
export async function removeStaleTempFiles(target: string): Promise<string[]> {
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  const stale: string[] = [];
  for (const name of names) {
    const owner = tempFileOwner(name, target);
    if (owner === undefined || isProcessAlive(owner)) continue;
    // A tool a killed run started may still be writing into a stale folder: retry until it is gone.
    await rm(join(dirname(target), name), { recursive: true, force: true, maxRetries: 5 });
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
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes text or bytes to `target` atomically. */
export function writeFileAtomically(target: string, data: string | Uint8Array): Promise<void> {
  return writeAtomically(target, (temp) => writeFile(temp, data));
}
