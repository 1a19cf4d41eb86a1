import type { LayerCommandName, Logger, NetworkSettings, ResolvedConfig, S3ObjectSettings } from '@lambda-layer/core';
import type { Options } from 'yargs';
import type { AwsClients } from './aws-clients.js';

/** Everything a command needs, built once by the runner from flags, env and pyproject. */
export interface CommandContext {
  /** Absolute project folder (the one holding pyproject.toml). */
  projectDir: string;
  json: boolean;
  quiet: boolean;
  debug: boolean;
  /** True when a person can answer a question (stdin and stderr are terminals). */
  interactive: boolean;
  logger: Logger;
  /** Settings with precedence flag > env > pyproject > default. */
  config: ResolvedConfig;
  aws: AwsClients;
  /** The region `aws` talks to, when the settings or AWS_REGION name it (else the profile decides). */
  region: string | undefined;
  /** The proxy and CA bundle (read on first use; the AWS clients use them too). */
  network(): Promise<NetworkSettings>;
  /** Encryption and bucket owner every S3 request carries (already applied to `aws.s3()`). */
  s3Objects: S3ObjectSettings;
  /**
   * The regions the settings name (a repeated --region, LAYER_REGION,
   * `regions = [...]`), each once; empty means the AWS SDK's own chain decides.
   */
  regions: readonly string[];
  /** Clients for one region (same profile, endpoint and timeouts as `aws`). */
  awsFor(region: string): AwsClients;
  /**
   * Aborted by Ctrl-C (SIGINT) or SIGTERM: every step takes it as its `signal`
   * option, stops soon after, and says what state it left.
   */
  readonly signal: AbortSignal;
  /** Raw parsed flags, for anything that is not a config key. */
  argv: Record<string, unknown>;
}

/**
 * One `layer <command>`: what it runs. The config keys it takes as flags are
 * not listed here: core's CONFIG_SCHEMA says which commands take each key
 * (`commandConfigKeys(name)`), and the parser and runner read them from there.
 */
export interface LayerCommand<Result = unknown> {
  name: LayerCommandName;
  describe: string;
  /** Flags that are one-off actions, not settings (never read from env or pyproject), e.g. publish's --force-unlock; never a config key. */
  flags?: Readonly<Record<string, Options>>;
  examples?: ReadonlyArray<readonly [string, string]>;
  /** Runs the step. Step packages are imported inside, lazily, so `--help` stays fast. */
  run(context: CommandContext): Promise<Result>;
  /** Human lines printed to stdout after success (without --json). */
  summary?(result: Result): string[];
}
