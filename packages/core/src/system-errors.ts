import { isUtf8 } from 'node:buffer';
import { statfs } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { type ErrorCode, ErrorCodes, LayerError } from './errors.js';
import { formatBytes } from './logger.js';

/**
 * What the operating system can refuse, in plain words: one line naming the
 * cause, the path and the fix, never "unexpected error". Every place that
 * touches the disk (and the CLI's last-resort mapping) goes through
 * `toLayerErrorFromSystem`, so a full disk reads the same in every step.
 */

/** The fields of a Node.js system error (`NodeJS.ErrnoException`) this module reads. */
export interface SystemErrorLike {
  /** The errno name: ENOSPC, EACCES, … */
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
  message?: string;
}

export interface SystemErrorContext {
  /** What was being done, as a verb phrase: "write layer.zip", "read requirements.txt". Replaces the syscall's verb. */
  doing?: string;
  /** The path, when the error carries none or a less helpful one (a write through a file handle has none). */
  path?: string;
  /** Bytes the write needed, when known (disk full). */
  bytesNeeded?: number;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, number]) => [number, name]));

/** The errno name of a number on this platform (28 -> ENOSPC on Linux), as a child process reports it. */
export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}

/** A Node.js system error: a string errno code such as ENOENT, with the syscall or errno number beside it. */
export function isSystemError(error: unknown): error is SystemErrorLike {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall, errno } = error as { code?: unknown; syscall?: unknown; errno?: unknown };
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && (typeof syscall === 'string' || typeof errno === 'number');
}

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  mkdtemp: 'create a folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'list',
  opendir: 'list',
  copyfile: 'copy',
  cp: 'copy',
  stat: 'read',
  lstat: 'read',
  access: 'read',
  readlink: 'read the link',
  symlink: 'create the link',
  chmod: 'change the mode of',
  utime: 'change the times of',
  spawn: 'run',
  fsync: 'write',
  ftruncate: 'write',
};

function describe(error: SystemErrorLike): string {
  // Node's message is "ENOSPC: no space left on device, write"; the middle is the OS's own description.
  const fromMessage = /^E[A-Z0-9]+: ([^,]+)/.exec(error.message ?? '')?.[1];
  return fromMessage ?? error.code;
}

/**
 * Turns a system error into a one-line `LayerError`, or returns undefined
 * when `error` is not one (so callers can fall through to their own handling).
 */
export function toLayerErrorFromSystem(error: unknown, context: SystemErrorContext = {}): LayerError | undefined {
  if (error instanceof LayerError) return error;
  if (!isSystemError(error)) return undefined;
  const path = context.path ?? error.path;
  const verb = context.doing ?? `${VERBS[error.syscall ?? ''] ?? error.syscall ?? 'use'}${path ? ` ${path}` : ''}`;
  const where = path ?? 'the file';
  const make = (code: ErrorCode, message: string, hint: string) =>
    new LayerError(code, message, {
      hint,
      cause: error,
      details: { errno: error.code, ...(path ? { path } : {}), ...(error.syscall ? { syscall: error.syscall } : {}) },
    });

  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return make(
        ErrorCodes.PERMISSION_DENIED,
        `permission denied: cannot ${verb}`,
        `check the owner and permissions of ${where} (ls -ld), or run as a user allowed to change it`,
      );
    case 'ENOSPC':
    case 'EDQUOT': {
      const needed = context.bytesNeeded ? ` (about ${formatBytes(context.bytesNeeded)} needed)` : '';
      const what = error.code === 'EDQUOT' ? 'disk quota exceeded' : 'disk full';
      return make(
        ErrorCodes.DISK_FULL,
        `${what}: no space left on the device holding ${path ?? 'the output'}${needed}`,
        `free space there${path ? ` (df -h ${dirname(path)})` : ''} and run again`,
      );
    }
    case 'EISDIR':
      return make(ErrorCodes.NOT_A_FILE, `${where} is a folder, not a file`, 'remove or rename that folder and put the file there');
    case 'ENOTDIR':
      return make(
        ErrorCodes.NOT_A_FOLDER,
        `${where} is not a folder (it, or a part of its path, is a file)`,
        'remove or rename the file that stands where a folder is expected',
      );
    case 'ENOENT':
      return make(
        ErrorCodes.FILE_NOT_FOUND,
        `${where} does not exist${context.doing ? ` (while trying to ${context.doing})` : ''}`,
        'check the path, or run the step that creates it',
      );
    case 'EMFILE':
    case 'ENFILE':
      return make(
        ErrorCodes.TOO_MANY_OPEN_FILES,
        `too many open files (while trying to ${verb})`,
        'raise the open-file limit (ulimit -n 4096) and run again',
      );
    case 'EROFS':
      return make(
        ErrorCodes.READ_ONLY_FILE_SYSTEM,
        `read-only file system: cannot ${verb}`,
        'run in a writable folder, or remount the file system read-write',
      );
    case 'ENAMETOOLONG':
      return make(ErrorCodes.SYSTEM_ERROR, `file name too long: ${where}`, 'use a shorter project path or file name');
    case 'ELOOP':
      return make(ErrorCodes.SYSTEM_ERROR, `too many symbolic links in ${where} (a link loop?)`, 'remove the link that points back at itself');
    default:
      return make(ErrorCodes.SYSTEM_ERROR, `cannot ${verb}: ${describe(error)} (${error.code})`, 'run again with --debug for details');
  }
}

/** The free bytes of the file system holding `path` (or its nearest existing parent: a tool may have removed its temp folder). */
async function freeBytesAt(path: string): Promise<number | undefined> {
  for (let current = path; ; current = dirname(current)) {
    try {
      const info = await statfs(current);
      return info.bavail * info.bsize;
    } catch {
      if (dirname(current) === current) return undefined;
    }
  }
}

/**
 * Of the paths a disk-full failure involves (where a tool said it was
 * writing, where we asked it to write), the one on the fullest file system:
 * a tool often names its source in a copy, which sits on a disk with room.
 */
export async function fullestOf(paths: ReadonlyArray<string | undefined>): Promise<string | undefined> {
  let best: { path: string; free: number } | undefined;
  for (const path of paths) {
    if (!path) continue;
    const free = await freeBytesAt(path);
    if (free !== undefined && (!best || free < best.free)) best = { path, free };
  }
  return best?.path ?? paths.find((path): path is string => Boolean(path));
}

/**
 * A file name shown so a user can find it: printable ASCII as is, every other
 * byte as \xNN (the form `ls --quoting-style=escape` and Python use).
 */
export function escapeFileName(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes)
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/** Whether a file name read as bytes is valid UTF-8 (a zip entry name and a Lambda path must be). */
export function isUtf8FileName(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

/** The one-line error for a file name that is not UTF-8; `parent` is where it was found, `bytes` its raw name. */
export function fileNameNotUtf8(parent: string, bytes: Uint8Array): LayerError {
  const shown = escapeFileName(bytes);
  return new LayerError(ErrorCodes.FILE_NAME_NOT_UTF8, `the file name "${shown}" in ${parent} is not UTF-8`, {
    hint: 'rename or remove it: a layer.zip holds UTF-8 names only (`ls -b` shows the name, `mv` with a glob renames it)',
    details: { parent, name: shown },
  });
}
