import { readFile } from 'node:fs/promises';
import { ErrorCodes, LayerError, normalizePackageName, parseRequirementEntries, type RequirementEntry } from '@lambda-layer/core';
/**
 * Pinned requirements files (pip's format): what every tool's lock is turned
 * into before installing. Parsed here, by hand, because only two things are
 * needed — each entry's project name and the index options — and no npm
 * library reads pip's file format.
 */

// One reader of pip's requirements format for every step: publish diffs the
// same entries (core's manifest-packages.ts).
export type { RequirementEntry };
export const normalizeName = normalizePackageName;
/** Splits a requirements file into entries: continuation lines joined, comments and blanks dropped. */
export const parseRequirements = parseRequirementEntries;

export function formatRequirements(entries: readonly RequirementEntry[]): string {
  return `${entries.map((entry) => entry.text).join('\n')}\n`;
}

/** Whether pip would run in hash-checking mode for these entries. */
export function usesHashes(entries: readonly RequirementEntry[]): boolean {
  return entries.some((entry) => entry.name && /--hash[= ]/.test(entry.text));
}

export interface IndexOptions {
  indexUrl?: string;
  extraIndexUrls: string[];
  trustedHosts: string[];
}

/**
 * Takes the index options out of an exported file (Poetry writes
 * `--index-url` / `--extra-index-url` / `--trusted-host` for its sources), so
 * the installer gets them from its environment, where credentials can join them.
 */
export function extractIndexOptions(entries: readonly RequirementEntry[]): { entries: RequirementEntry[]; index: IndexOptions } {
  const index: IndexOptions = { extraIndexUrls: [], trustedHosts: [] };
  const rest: RequirementEntry[] = [];
  for (const entry of entries) {
    const option = /^(--index-url|-i|--extra-index-url|--trusted-host)[= ]\s*(\S+)$/.exec(entry.text);
    if (!option) {
      rest.push(entry);
      continue;
    }
    const value = option[2] as string;
    if (option[1] === '--index-url' || option[1] === '-i') index.indexUrl = value;
    else if (option[1] === '--extra-index-url') index.extraIndexUrls.push(value);
    else index.trustedHosts.push(value);
  }
  return { entries: rest, index };
}

/** The distinct package registries a uv.lock resolves from. */
export function uvLockRegistries(lockText: string): string[] {
  const found = new Set<string>();
  for (const match of lockText.matchAll(/source = \{ registry = "([^"]+)" \}/g)) found.add(match[1] as string);
  return [...found];
}

/** Whether two index URLs are the same index (trailing slash aside). */
export function sameIndex(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** How many packages a requirements file pins (the installers' progress totals). */
export async function countRequirements(file: string): Promise<number> {
  return parseRequirements(await readFile(file, 'utf8')).filter((entry) => entry.name).length;
}

/** The files a requirements file pulls in: `-r other.txt`, `-c constraints.txt` and their long forms. */
export function findIncludes(entries: readonly RequirementEntry[]): Array<{ option: string; file: string }> {
  const includes: Array<{ option: string; file: string }> = [];
  for (const entry of entries) {
    // pip accepts `-r file`, `-rfile`, `--requirement file` and `--requirement=file`.
    const match = /^(?:(-r|-c)\s*|(--requirement|--constraint)(?:\s*=\s*|\s+))(\S+)/.exec(entry.text);
    if (match) includes.push({ option: (match[1] ?? match[2]) as string, file: match[3] as string });
  }
  return includes;
}

/**
 * A requirements.txt the build can trust as the one source of truth.
 *
 * Includes are refused, not followed: the manifest's MD5 is what upload and
 * publish compare and what the S3 layout (shared with the Python original)
 * stores per version, so a change in an included file would read as
 * "unchanged" and the stored manifest could not rebuild the layer. One
 * flattened, pinned file keeps change detection exact. An empty file is
 * refused too: it can only make an empty layer.
 */
export function checkRequirementsManifest(text: string, fileName = 'requirements.txt'): void {
  const entries = parseRequirements(text);
  const includes = findIncludes(entries);
  if (includes.length) {
    const listed = includes.map((include) => `${include.option} ${include.file}`).join(', ');
    throw new LayerError(ErrorCodes.REQUIREMENTS_INCLUDE, `${fileName} includes other files (${listed}), whose packages and changes layer would not see`, {
      hint: 'flatten it into one pinned file, e.g. `uv pip compile requirements.in -o requirements.txt` or `pip-compile`, or `uv export` / `poetry export` from a lock',
      details: { includes },
    });
  }
  if (!entries.some((entry) => entry.name)) {
    throw new LayerError(ErrorCodes.REQUIREMENTS_EMPTY, `${fileName} lists no packages, so the layer would be empty`, {
      hint: 'add the pinned requirements, e.g. `requests==2.32.3` (pip freeze > requirements.txt)',
    });
  }
}
