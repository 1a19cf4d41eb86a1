/**
 * Real shared objects made with the host's gcc for the ELF checks: one that
 * needs GLIBC_2.27 (memfd_create), one that needs GLIBCXX_3.4.25
 * (std::random_device::entropy, GCC 8), and one that needs libGL.so.1 (with
 * the stub library it links against). Undefined where no compiler is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NativeFixtures {
  dir: string;
  /** Needs GLIBC_2.27. */
  newGlibc: string;
  /** Needs GLIBCXX_3.4.25 from libstdc++.so.6. */
  newGlibcxx: string;
  /** NEEDED libGL.so.1. */
  needsGl: string;
  /** The stub libGL.so.1 (soname libGL.so.1). */
  libGl: string;
}

export function hasCompilers(): boolean {
  return ['gcc', 'g++'].every((cc) => spawnSync(cc, ['--version']).status === 0);
}

function compile(compiler: string, args: string[], cwd: string): void {
  const result = spawnSync(compiler, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${compiler} ${args.join(' ')} failed: ${result.stderr}`);
}

export async function buildNativeFixtures(): Promise<NativeFixtures | undefined> {
  if (!hasCompilers()) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'elf-fixtures-'));
  await writeFile(join(dir, 'new.c'), '#define _GNU_SOURCE\n#include <sys/mman.h>\nint make(void) { return memfd_create("x", 0); }\n');
  await writeFile(join(dir, 'rd.cpp'), '#include <random>\nextern "C" double entropy() { std::random_device r; return r.entropy(); }\n');
  await writeFile(join(dir, 'stub.c'), 'int gl(void) { return 1; }\n');
  await writeFile(join(dir, 'usegl.c'), 'int gl(void);\nint use(void) { return gl(); }\n');
  compile('gcc', ['-shared', '-fPIC', '-o', 'new.so', 'new.c'], dir);
  compile('g++', ['-shared', '-fPIC', '-o', 'rd.so', 'rd.cpp'], dir);
  compile('gcc', ['-shared', '-fPIC', '-o', 'libGL.so.1', '-Wl,-soname,libGL.so.1', 'stub.c'], dir);
  compile('gcc', ['-shared', '-fPIC', '-o', 'usegl.so', 'usegl.c', '-L.', '-l:libGL.so.1'], dir);
  return { dir, newGlibc: join(dir, 'new.so'), newGlibcxx: join(dir, 'rd.so'), needsGl: join(dir, 'usegl.so'), libGl: join(dir, 'libGL.so.1') };
}
