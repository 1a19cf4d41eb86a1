import { resolve } from 'node:path';
import {
  type Architecture,
  type BuildTool,
  DEFAULT_PYTHON_TARGET,
  ErrorCodes,
  type Installer,
  LayerError,
  type Logger,
  type NetworkSettings,
  parseArchitecture,
  parseBuildTool,
  parseIndexUrl,
  parseInstaller,
  parsePythonVersion,
  pythonToolNetworkEnv,
  type PythonVersion,
  resolveProxySettings,
  silentLogger,
} from '@lambda-layer/core';
import type { IndexCredentials } from './index-credentials.js';
import type { ChildEnv } from './run-tool.js';

export interface BuildLayerOptions {
  /** The folder holding pyproject.toml (and the lock file). */
  projectDir: string;
  tool: BuildTool;
  /** Target Lambda Python version (default 3.12). */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the literals document the usual values; any string is accepted and checked at run time
  pythonVersion?: PythonVersion | string;
  /** Target architecture (default x86_64). */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the literals document the usual values; any string is accepted and checked at run time
  architecture?: Architecture | string;
  /** Build inside the SAM build image (needs Docker). */
  container?: boolean;
  /**
   * Who installs the pinned set: the pinned uv (default) or the pinned pip, for
   * pip's exact behaviour. A container build installs with pip.
   */
  installer?: Installer;
  /** Private index URL, without credentials. */
  indexUrl?: string;
  /** The private index's name (Poetry source / uv index name). */
  indexName?: string;
  /** Username and password; take them from the environment (`credentialsFromEnv`), never from flags. */
  credentials?: IndexCredentials;
  /** Clear the build folder without asking. */
  yes?: boolean;
  /** A person can answer questions (stdin and stderr are terminals). */
  interactive?: boolean;
  /** Build even when the stamp says nothing changed. */
  force?: boolean;
  logger?: Logger;
  /** Base environment of the child processes (default process.env). */
  env?: ChildEnv;
  /**
   * The proxy and CA bundle (core's NetworkSettings): the build's own index
   * requests use them, and pip, uv and Poetry get them through their variables
   * (HTTPS_PROXY, NO_PROXY, PIP_CERT, SSL_CERT_FILE, REQUESTS_CA_BUNDLE).
   * Default: the proxy variables of `env`, no CA bundle.
   */
  network?: NetworkSettings;
  /** Asks a yes/no question; the default reads a line from the terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Stops the build (Ctrl-C in the CLI): its tools are terminated and its index requests end, the previous artifacts/python/ stays. */
  signal?: AbortSignal;
}

export interface ValidatedBuildOptions {
  projectDir: string;
  tool: BuildTool;
  pythonVersion: PythonVersion;
  architecture: Architecture;
  container: boolean;
  installer: Installer;
  credentials: IndexCredentials;
  yes: boolean;
  interactive: boolean;
  force: boolean;
  logger: Logger;
  env: ChildEnv;
  network: NetworkSettings | undefined;
  confirm: ((question: string) => Promise<boolean>) | undefined;
  signal: AbortSignal | undefined;
}

export function validateBuildOptions(options: BuildLayerOptions): ValidatedBuildOptions {
  const credentials: IndexCredentials = { ...(options.credentials ?? {}) };
  if (options.indexUrl) credentials.indexUrl = options.indexUrl;
  if (options.indexName) credentials.indexName = options.indexName;
  if (credentials.indexUrl) credentials.indexUrl = parseIndexUrl(credentials.indexUrl);
  const container = Boolean(options.container);
  const installer = options.installer === undefined ? (container ? 'pip' : 'uv') : parseInstaller(options.installer);
  if (container && installer !== 'pip') {
    throw new LayerError(
      ErrorCodes.INVALID_OPTION,
      `--installer ${installer} cannot be used with --container: the SAM build image installs with the pinned pip`,
      {
        hint: 'leave out --installer (or pass --installer pip) for a container build',
      },
    );
  }
  return {
    projectDir: resolve(options.projectDir),
    tool: parseBuildTool(options.tool),
    pythonVersion: parsePythonVersion(options.pythonVersion ?? DEFAULT_PYTHON_TARGET.pythonVersion),
    architecture: parseArchitecture(options.architecture ?? DEFAULT_PYTHON_TARGET.architecture),
    container,
    installer,
    credentials,
    yes: Boolean(options.yes),
    interactive: Boolean(options.interactive),
    force: Boolean(options.force),
    logger: options.logger ?? silentLogger,
    // The tools read the network settings from their environment; nothing goes into argv.
    env: { ...(options.env ?? process.env), ...pythonToolNetworkEnv(options.network, options.env ?? process.env) },
    network: options.network ?? resolveProxySettings(undefined, options.env ?? process.env),
    confirm: options.confirm,
    signal: options.signal,
  };
}
