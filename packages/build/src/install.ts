import type { IndexCredentials, Logger, Redactor } from '@lambda-layer/core';
import type { PinnedPip } from './installers.js';
import type { TargetPlatform } from './platform.js';
import type { BuildTools, ToolCommand } from './preflight.js';
import type { ChildEnv } from './run-tool.js';

/** What an installer needs to put a pinned requirements file into artifacts/python/ for the target. */
export interface InstallContext {
  platform: TargetPlatform;
  /** The pinned requirements file (in repo/). */
  requirementsFile: string;
  pythonDir: string;
  repoDir: string;
  /** The index and its credentials (URL resolved from the lock when the user named none). */
  credentials: IndexCredentials;
  /** Extra pip settings taken from an export (extra indexes, trusted hosts), as pip variables. */
  pipSettings: ChildEnv;
  /** The file is a complete lock (uv, Poetry): install exactly it, resolving nothing. */
  complete: boolean;
  env: ChildEnv;
  tools: BuildTools;
  /** The pinned installer (pip or uv) from the tool cache. */
  installer: ToolCommand;
  /** The pinned pip (installed on first use): it builds pure-Python sdists whatever the installer. */
  pinnedPip(): Promise<PinnedPip>;
  redactor: Redactor;
  logger: Logger;
}

/** A failed install: the packages the installer found nothing to install for, if it said which. */
export interface InstallFailure {
  ok: false;
  output: string;
  missingWheels: string[];
}

export type InstallOutcome = { ok: true; output: string } | InstallFailure;

export interface Installer {
  name: 'pip' | 'uv';
  install(context: InstallContext, requirementsFile: string): Promise<InstallOutcome>;
}
