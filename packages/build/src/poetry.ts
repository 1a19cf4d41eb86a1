import { writeFile } from 'node:fs/promises';
import { ErrorCodes, type Logger, LayerError, type Redactor } from '@lambda-layer/core';
import type { ToolCommand } from './preflight.js';
import { type ChildEnv, runTool, tail } from './run-tool.js';

/**
 * `poetry export` (poetry-plugin-export) of the main group only, pinned with
 * hashes. Never `--with-credentials`: the exported file lives in the project tree.
 */
export const POETRY_EXPORT_ARGS = ['export', '--format', 'requirements.txt', '--only', 'main', '--no-interaction', '--no-ansi'] as const;

/** Poetry's words for a lock that pyproject.toml has moved past. */
export function isPoetryLockOutdated(output: string): boolean {
  return /pyproject\.toml changed significantly since poetry\.lock was last generated/i.test(output);
}

export async function poetryExport(options: { poetry: ToolCommand; repoDir: string; outputFile: string; env: ChildEnv; redactor: Redactor; logger: Logger }): Promise<void> {
  const result = await runTool(options.poetry.command, [...options.poetry.prefix, ...POETRY_EXPORT_ARGS], {
    cwd: options.repoDir,
    env: options.env,
    redactor: options.redactor,
    logger: options.logger,
    quietStdout: true,
  });
  if (result.code !== 0) {
    const output = `${result.output}\n${result.stdout}`;
    if (/command "export" does not exist|The command "export" is not defined/i.test(output)) {
      throw new LayerError(ErrorCodes.TOOL_NOT_INSTALLED, 'Poetry has no export command (the poetry-plugin-export plugin is missing)', {
        hint: 'run `poetry self add poetry-plugin-export`',
      });
    }
    if (isPoetryLockOutdated(output)) {
      throw new LayerError(ErrorCodes.LOCK_OUTDATED, 'poetry.lock is out of date: pyproject.toml changed since it was locked', {
        hint: 'run `poetry lock` in the project folder and build again',
      });
    }
    // Poetry ran, so it is installed: what failed is the lock (unreadable, or out of date with pyproject.toml).
    throw new LayerError(ErrorCodes.BUILD_FAILED, `poetry export failed: ${tail(output, 4)}`, {
      hint: /poetry lock/.test(output) ? 'run `poetry lock` and build again' : 'check poetry.lock (`poetry check --lock`); `poetry lock` writes it again',
    });
  }
  await writeFile(options.outputFile, result.stdout);
}
