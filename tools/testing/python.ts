/** The machine's other Pythons (pyenv's), for tests that need a given host interpreter. */
import { spawnSync } from 'node:child_process';
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

/** The minor version of the `python3` on PATH (11 for 3.11), or undefined when there is none. */
export function hostPythonMinor(): number | undefined {
  const result = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[1])'], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : undefined;
}

/**
 * A Python 3.<minor> of this machine: the `python3` on PATH when it is that version, else pyenv's;
 * undefined when there is none (the test that needs it skips, saying why).
 */
export function pythonOf(minor: number): string | undefined {
  return hostPythonMinor() === minor ? 'python3' : pyenvPython(minor);
}

/** Why a test that imports x86_64 CPython 3.<minor> wheels on this host cannot run here, or undefined when it can. */
export function cannotImportWheels(minor: number): string | undefined {
  if (process.arch !== 'x64') return `the host is ${process.arch}, the wheels are x86_64`;
  if (!pythonOf(minor)) return `no Python 3.${minor} on PATH or in pyenv`;
  return undefined;
}

/** A PATH whose `python3` is `python`, ahead of everything else (in a new folder the caller removes). */
export async function pathWithPython(python: string, path = process.env.PATH ?? ''): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'host-python-'));
  await symlink(python, join(dir, 'python3'));
  return { path: `${dir}${delimiter}${path}`, dir };
}
