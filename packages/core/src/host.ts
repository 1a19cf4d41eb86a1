import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who a running process is, as written into the remote state it owns (the
 * publish lock, multipart upload records): its host, its PID and, on Linux,
 * its PID namespace and start time. Two containers can share a host name
 * (`--network host`) while neither sees the other's processes, and a PID is
 * reused once its process is gone, so "this holder is dead" is only trusted
 * when host and PID namespace match ours and that PID is gone (or now belongs
 * to a process that started at another time).
 */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** `pid:[4026531836]` from /proc/self/ns/pid; absent where /proc is not there. */
  pidNamespace?: string;
  /** Field 22 of /proc/PID/stat (clock ticks since boot); absent where /proc is not there. */
  startTime?: string;
}

function procStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let own: ProcessIdentity | undefined;

export function currentProcessIdentity(): ProcessIdentity {
  if (!own) {
    let pidNamespace: string | undefined;
    try {
      pidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      pidNamespace = undefined;
    }
    const startTime = procStartTime('self');
    own = { host: hostname(), pid: process.pid, ...(pidNamespace ? { pidNamespace } : {}), ...(startTime ? { startTime } : {}) };
  }
  return own;
}

/** True when `pid` is a live process (signal 0 checks without sending anything; EPERM means it lives under another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `other` names this very process. */
export function isCurrentProcess(other: Partial<ProcessIdentity> | undefined): boolean {
  const self = currentProcessIdentity();
  return other?.host === self.host && other.pid === self.pid && (other.pidNamespace ?? undefined) === (self.pidNamespace ?? undefined);
}

/**
 * True only when `other` is a process of this machine (same host and PID
 * namespace) that no longer runs: then whatever it held can be taken over at
 * once. Anything else (another machine, another container, a live process,
 * this process) is `false`: such a holder is waited for until its lease ends.
 */
export function isDeadLocalProcess(other: Partial<ProcessIdentity> | undefined): boolean {
  if (!other || typeof other.pid !== 'number' || typeof other.host !== 'string') return false;
  const self = currentProcessIdentity();
  if (other.host !== self.host) return false;
  if ((other.pidNamespace ?? undefined) !== (self.pidNamespace ?? undefined)) return false;
  if (other.pid === self.pid) return false;
  if (!isProcessAlive(other.pid)) return true;
  // The PID lives, but a process that started at another time got it after the holder died.
  const startTime = other.startTime ? procStartTime(other.pid) : undefined;
  return startTime !== undefined && startTime !== other.startTime;
}
