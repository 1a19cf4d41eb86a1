import type { Logger } from '@lambda-layer/core';
import type { IndexCredentials } from './index-credentials.js';
import type { InstallerName, PinnedPip } from './installers.js';
import type { TargetPlatform } from './platform.js';
import type { BuildTools, ToolCommand } from './preflight.js';
import type { Redactor } from './redact.js';
import type { ChildEnv } from './run-tool.js';

/** What an installer needs to put pinned requirements into artifacts/python/ for the target. */
export interface InstallContext {
  platform: TargetPlatform;
  pythonDir: string;
  repoDir: string;
  /** The requirements are a complete lock (uv.lock, poetry.lock): install exactly them, resolving nothing. */
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

/** One installer run: a requirements file of packages from one index. */
export interface InstallRun {
  /** The requirements file (in repo/). */
  file: string;
  /** The index the packages come from and its credentials; no URL: the installer's default. */
  index: IndexCredentials;
  /** The requirements carry hashes: hash-checking mode (pip's rule: then every one must have them, and each file must match). */
  hashed: boolean;
}

/** A failed install: the packages the installer found nothing to install for, if it said which. */
export interface InstallFailure {
  ok: false;
  output: string;
  missingWheels: string[];
}

export type InstallOutcome = { ok: true; output: string } | InstallFailure;

export interface Installer {
  name: InstallerName;
  install(context: InstallContext, run: InstallRun): Promise<InstallOutcome>;
}
