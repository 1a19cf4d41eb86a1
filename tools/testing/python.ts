/** The machine's other Pythons (pyenv's), for tests that need a given host interpreter. */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** `~/.pyenv/versions/3.12.x/bin/python3.12`, or undefined when pyenv has no 3.<minor>. */
export function pyenvPython(minor: number): string | undefined {
  const root = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root)
    .filter((name) => name.startsWith(`3.${minor}.`))
    .sort()
    .at(-1);
  const python = version ? join(root, version, 'bin', `python3.${minor}`) : undefined;
  return python && existsSync(python) ? python : undefined;
}

/** A PATH whose `python3` is `python`, ahead of everything else (in a new folder the caller removes). */
export async function pathWithPython(python: string, path = process.env.PATH ?? ''): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'host-python-'));
  await symlink(python, join(dir, 'python3'));
  return { path: `${dir}${delimiter}${path}`, dir };
}
