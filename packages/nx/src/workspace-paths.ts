import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * A file as the targets name it: relative to the workspace root with forward
 * slashes, so a command or input means the same on every machine and a remote
 * cache entry made in /home/ci/ws is a hit in /builds/ws. A file outside the
 * workspace (a linked development checkout) keeps its absolute path.
 */
export function workspacePath(file: string, workspaceRoot: string): string {
  const rel = relative(workspaceRoot, file);
  if (rel.split(sep)[0] === '..' || isAbsolute(rel)) return file.split(sep).join(posix.sep);
  return rel.split(sep).join(posix.sep);
}

/** The `layer` bin of the @lambda-layer/cli this plugin depends on (not whatever `layer` is first on PATH). */
export function layerBinPath(): string {
  let manifest: string;
  try {
    manifest = require.resolve('@lambda-layer/cli/package.json');
  } catch (error) {
    throw new Error(
      `@lambda-layer/cli (which @lambda-layer/nx depends on and its targets run) is not installed: run your package manager's install`,
      { cause: error },
    );
  }
  return join(dirname(manifest), 'bin', 'layer.js');
}

/** The script that prints the Python tools' versions (an Nx runtime input of the build targets). */
export function toolVersionsScriptPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'tool-versions.js');
}

/** A path as one shell word in the targets' commands (Nx runs them through a shell). */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : JSON.stringify(path);
}

/** The lock files Nx reads the workspace's npm packages from. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

/**
 * Whether Nx can know the installed npm packages' versions: only then may a
 * target name one in `externalDependencies` (without a lock file Nx has no such
 * package in its graph and refuses the target).
 */
export function hasLockFile(workspaceRoot: string): boolean {
  return LOCK_FILES.some((name) => existsSync(join(workspaceRoot, name)));
}
