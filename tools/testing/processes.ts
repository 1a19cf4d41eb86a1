/** Which processes are still running, for tests that stop a run and must find no tool left behind. */
import { execFileSync } from 'node:child_process';

interface ProcessRow {
  pid: number;
  pgid: number;
  args: string;
}

/** Running processes (zombies left for a parent that never reaps them count as gone). */
export function runningProcesses(): ProcessRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  const rows: ProcessRow[] = [];
  for (const line of out.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || (match[3] as string).startsWith('Z')) continue;
    rows.push({ pid: Number(match[1]), pgid: Number(match[2]), args: match[4] as string });
  }
  return rows;
}

/** Running processes of a process group. */
export function runningInGroup(pgid: number): ProcessRow[] {
  return runningProcesses().filter((row) => row.pgid === pgid);
}

/** Running processes whose command line mentions `text` (a project folder, a temp path). */
export function runningWith(text: string): ProcessRow[] {
  return runningProcesses().filter((row) => row.args.includes(text) && !row.args.startsWith('ps '));
}
