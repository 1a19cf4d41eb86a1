/**
 * `node tool-versions.js <tool…>`: prints the version of each Python tool a
 * build runs, one line each, and always exits 0. It is an Nx runtime input of
 * the build and package targets, so upgrading uv, Poetry or pip misses the
 * cache. It prints versions only (no paths), so the same tools on another
 * machine give the same hash; a missing tool prints "not found" and the build
 * itself reports it properly.
 */
import { pathToFileURL } from 'node:url';
import { findPoetry, findUv, type ToolCommand } from '@lambda-layer/build';
import { BUILD_TOOLS, type BuildTool, isBuildTool } from '@lambda-layer/core';

type Env = Record<string, string | undefined>;

/**
 * The programs on the machine whose versions decide what a build with this tool
 * installs: the one that reads the lock. The installers themselves (pip, uv) are
 * pinned by @lambda-layer/build, whose version is already an input.
 */
const PROGRAMS: Record<BuildTool, ReadonlyArray<readonly [string, (env: Env) => Promise<ToolCommand>]>> = {
  pip: [],
  uv: [['uv', findUv]],
  poetry: [['poetry', findPoetry]],
};

export async function toolVersionLines(tools: readonly BuildTool[], env: Env = process.env): Promise<string[]> {
  const programs = new Map(tools.flatMap((tool) => PROGRAMS[tool]));
  const lines = await Promise.all(
    [...programs].map(async ([name, find]) => {
      const found = await find(env).catch(() => undefined);
      return `${name} ${found ? found.version : 'not found'}`;
    }),
  );
  return lines.sort();
}

async function main(args: string[]): Promise<void> {
  const tools = args.filter(isBuildTool);
  for (const line of await toolVersionLines(tools.length > 0 ? tools : BUILD_TOOLS)) process.stdout.write(`${line}\n`);
}

// Run as a script (no top-level await: every module of ours must stay loadable with require()).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // Still exit 0: a hash input must not fail the task; the build reports real problems itself.
    process.stdout.write(`tool versions unknown: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}
