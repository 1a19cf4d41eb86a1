/**
 * `layer --help` without loading yargs: the text yargs renders for a help
 * request is kept in the tool cache, under a key made of everything that can
 * change it: the command line, the terminal width, the locale (yargs
 * translates its headings), yargs' version, and the content of every module
 * of this package and of core (commands, flags and their descriptions live
 * there). A new release, a rebuilt checkout or a wider terminal is a new key,
 * so a cached text is always the one yargs would print. The first request of
 * a kind renders it with yargs and stores it; later ones read ~5 KB.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive, layerCacheDir, tempFileOwner, writeFileAtomically } from '@lambda-layer/core';

type Env = Record<string, string | undefined>;

/** Whether the command line asks for help: yargs answers `--help` / `-h` anywhere with a help text. */
export function isHelpRequest(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--help' || arg === '-h');
}

/** The folders whose modules decide the help text: this package's and core's (built JavaScript, or TypeScript sources under test). */
function sourceDirs(): string[] {
  const own = dirname(fileURLToPath(import.meta.url));
  const core = dirname(fileURLToPath(import.meta.resolve('@lambda-layer/core')));
  return [own, core];
}

function moduleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...moduleFiles(path));
    else if (/\.(js|ts)$/.test(entry.name) && !/\.(d|test)\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The cache key of a help request. */
export function helpCacheKey(args: readonly string[], columns: number | undefined, env: Env, dirs: readonly string[] = sourceDirs()): string {
  const hash = createHash('sha256');
  const yargsPackage = join(dirname(fileURLToPath(import.meta.resolve('yargs'))), 'package.json');
  hash.update(
    JSON.stringify({
      args,
      columns: columns ?? null,
      locale: [env.LC_ALL, env.LC_MESSAGES, env.LANG, env.LANGUAGE],
      yargs: readFileSync(yargsPackage, 'utf8'),
    }),
  );
  for (const dir of dirs) {
    for (const file of moduleFiles(dir)) hash.update(`\0${file.slice(dir.length)}\0`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

const helpDir = (env: Env) => join(layerCacheDir(env), 'help');
/** Texts kept; older ones go when a new one is stored (each release and rebuild makes new keys). */
const KEEP = 64;

export async function readCachedHelp(key: string, env: Env): Promise<string | undefined> {
  return readFile(join(helpDir(env), `${key}.txt`), 'utf8').catch(() => undefined);
}

/**
 * Stores a help text (atomically: a killed request leaves no half text under a key, only a temporary
 * file that a later store removes); a cache that cannot be written is no error (the next request renders it again).
 */
export async function writeCachedHelp(key: string, text: string, env: Env): Promise<void> {
  const dir = helpDir(env);
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(join(dir, `${key}.txt`), text);
    const entries = await readdir(dir);
    // A help request killed mid-write leaves its temporary file behind: it goes once its process is gone.
    const debris = entries.filter((name) => {
      const owner = tempFileOwner(name);
      return owner !== undefined && !isProcessAlive(owner);
    });
    await Promise.all(debris.map((name) => rm(join(dir, name), { force: true })));
    const names = entries.filter((name) => name.endsWith('.txt'));
    if (names.length <= KEEP) return;
    const aged = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })));
    aged.sort((a, b) => b.mtime - a.mtime);
    await Promise.all(aged.slice(KEEP).map(({ name }) => rm(join(dir, name), { force: true })));
  } catch {
    // read-only or missing home: nothing to keep
  }
}
