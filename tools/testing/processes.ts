/**
 * Which processes are still running, for tests that stop a run and must find
 * no tool left behind. Read from /proc (Linux, like the rest of the suite), so
 * a CI image without `ps` works too.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessRow {
  pid: number;
  pgid: number;
  args: string;
}

function readRow(pid: number): ProcessRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Zombies wait for a parent that may never reap them (PID 1 in some sandboxes): they count as gone.
    if (state === 'Z' || state === 'X') return undefined;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, pgid: Number(pgid), args };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Running processes (not zombies). */
export function runningProcesses(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const row = readRow(Number(name));
    if (row) rows.push(row);
  }
  return rows;
}

/** Running processes of a process group. */
export function runningInGroup(pgid: number): ProcessRow[] {
  return runningProcesses().filter((row) => row.pgid === pgid);
}

/** Running processes whose command line mentions `text` (a project folder, a temp path). */
export function runningWith(text: string): ProcessRow[] {
  return runningProcesses().filter((row) => row.args.includes(text));
}
