import { readFile } from 'node:fs/promises';
import { ErrorCodes, LayerError, parseRequirementEntries, type RequirementEntry } from '@lambda-layer/core';
/**
 * Pinned requirements files (pip's format): requirements.txt, and what the
 * build writes for the installers from a lock. Split by hand (core's
 * parseRequirementEntries): the build needs only each entry's project name and
 * its text, passed on to the installer unchanged (hashes, markers, options);
 * a full parser such as pip-requirements-js gives an AST that would have to be
 * printed back, and one more dependency.
 */

// One reader of pip's requirements format for every step: publish diffs the
// same entries (core's manifest-packages.ts).
export type { RequirementEntry };
/** Splits a requirements file into entries: continuation lines joined, comments and blanks dropped. */
export const parseRequirements = parseRequirementEntries;

export function formatRequirements(entries: readonly RequirementEntry[]): string {
  return `${entries.map((entry) => entry.text).join('\n')}\n`;
}

/** Whether pip would run in hash-checking mode for these entries. */
export function usesHashes(entries: readonly RequirementEntry[]): boolean {
  return entries.some((entry) => entry.name && /--hash[= ]/.test(entry.text));
}

/**
 * The entries of a lock, ready for hash-checking mode: in it pip and uv refuse
 * a requirement without a hash, and a lock has none for a git checkout. When
 * some entries have hashes and others none, the hashes go (each installer
 * would refuse the file otherwise), and the unhashed entries are named.
 */
export function withConsistentHashes(entries: readonly RequirementEntry[]): { entries: RequirementEntry[]; unhashed: string[] } {
  const named = entries.filter((entry) => entry.name);
  const unhashed = named.filter((entry) => !/--hash[= ]/.test(entry.text)).map((entry) => entry.name as string);
  if (!unhashed.length || unhashed.length === named.length) return { entries: [...entries], unhashed: [] };
  return { entries: entries.map((entry) => ({ ...entry, text: entry.text.replace(/\s+--hash[= ]\S+/g, '') })), unhashed };
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
    throw new LayerError(
      ErrorCodes.REQUIREMENTS_INCLUDE,
      `${fileName} includes other files (${listed}), whose packages and changes layer would not see`,
      {
        hint: 'flatten it into one pinned file, e.g. `uv pip compile requirements.in -o requirements.txt` or `pip-compile`, or `uv export` / `poetry export` from a lock',
        details: { includes },
      },
    );
  }
  if (!entries.some((entry) => entry.name)) {
    throw new LayerError(ErrorCodes.REQUIREMENTS_EMPTY, `${fileName} lists no packages, so the layer would be empty`, {
      hint: 'add the pinned requirements, e.g. `requests==2.32.3` (pip freeze > requirements.txt)',
    });
  }
}
