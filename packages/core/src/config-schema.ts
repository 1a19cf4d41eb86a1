/**
 * THE list of settings: every config key is declared here once, with all
 * there is to know about it, and everything else is derived from it:
 *
 * - the pyproject key: `[tool.lambda-layer]` takes exactly these names (config.ts);
 * - the environment variable: `LAYER_` + the name in upper case, `-` as `_` (`configEnvName`);
 * - the type and the parse rule that checks a value from any of them (config.ts, config-values.ts);
 * - the CLI flag `--name`, its alias, the commands that take it and its --help text (cli/src/flags.ts);
 * - the Nx cache inputs of the inferred build and package targets (nx/src/targets.ts).
 *
 * Adding a key here adds all of these; cli/src/flags.test.ts and
 * nx/src/create-nodes.test.ts check that nothing is declared anywhere else.
 * Defaults are not here: each step applies its own (library callers get them
 * too), and the flags have none, so an absent flag falls through to the
 * environment, then pyproject.toml, then the step's default.
 */
import {
  type ConfigNote,
  maxLength,
  nonEmpty,
  parseAccountId,
  parseAccountIds,
  parseCompatibleArchitectures,
  parseCompatibleRuntimes,
  parseCompressionLevel,
  parseGlobs,
  parseIndexName,
  parseIndexUrl,
  parseInstaller,
  parseKeepVersions,
  parseLayerName,
  parseOrganizationIds,
  parseRegions,
  parseS3dir,
  pythonVersionFromNumber,
} from './config-values.js';
import { LAMBDA_LIMITS, parseArchitecture, parsePythonVersion } from './lambda.js';
import { parseProxyUrl } from './network.js';
import { parseKmsKeyId, parseSse } from './s3-object-settings.js';
import { parseBuildTool } from './tools.js';

/** The pipeline's four steps: `layer workflow` runs them, and takes every key any of them takes. */
export const STEP_COMMANDS = ['build', 'package', 'upload', 'publish'] as const;
/** The `layer` commands that read settings, besides workflow (which takes its steps' keys). */
export const CONFIG_COMMANDS = [...STEP_COMMANDS, 'prune', 'iam-policy'] as const;
export type ConfigCommand = (typeof CONFIG_COMMANDS)[number];
/** Every `layer` command. */
export type LayerCommandName = ConfigCommand | 'workflow';

/** The Nx targets that are cached (upload and publish change S3 and Lambda, which Nx cannot see). */
export type CachedTarget = 'build' | 'package';

export type ConfigValueType = 'string' | 'string[]' | 'boolean' | 'integer';

export interface ConfigKeySpec {
  type: ConfigValueType;
  /** What the key sets: its --help text. */
  description: string;
  /** Checks and normalises a value of `type`; throws a `LayerError` saying what is wrong. */
  parse?: (value: never, note: ConfigNote) => unknown;
  /** For a string key: reads a TOML number as its text, or refuses it (`python-version = 3.12` is a float in TOML). */
  fromNumber?: (value: number, where: string) => string;
  /**
   * Where it is a flag: the commands that take it (`layer workflow` takes the
   * keys of its four steps), `'every'` for an AWS or network setting every
   * command takes (under "AWS options:" in --help), or `'none'` for a key of
   * the environment and pyproject.toml only.
   */
  commands: readonly ConfigCommand[] | 'every' | 'none';
  /** A one-letter alias of the flag (`-t`). */
  alias?: string;
  /**
   * A list given by repeating the flag (`--region a --region b`): the words
   * after it are not read as more items. Other lists take them (`--ignore a b`).
   */
  repeatFlag?: true;
  /** The --help text in one command, where the key means more there than elsewhere. */
  describeFor?: Partial<Record<LayerCommandName, string>>;
  /**
   * The first cached Nx target whose result the key changes: its variable is a
   * cache input of that target and the ones after it (package follows build).
   * Keys that decide only whether work is redone (force, yes) are none.
   */
  cacheInput?: CachedTarget;
}

const PUBLISHING = ['publish', 'prune', 'iam-policy'] as const satisfies readonly ConfigCommand[];

/**
 * The settings, in the order --help lists them. The flags are the keys,
 * a boolean's `--no-x` is `x = false`, a list is a TOML array or, in a
 * variable, comma-separated. `parse` checks and normalises a value wherever it
 * comes from, so a bad one fails before any step runs: from a flag or the
 * environment a usage error (exit 2), from pyproject.toml a config error
 * naming the file.
 */
export const CONFIG_SCHEMA = {
  'layer-name': { type: 'string', description: 'Lambda layer name (or ARN)', parse: parseLayerName, commands: PUBLISHING },
  s3dir: {
    type: 'string',
    description: 'S3 folder URI for the layer artifacts, e.g. s3://bucket/app/lambda/',
    parse: parseS3dir,
    commands: ['upload', ...PUBLISHING],
  },
  tool: {
    type: 'string',
    description: 'dependency tool: pip, poetry or uv',
    parse: parseBuildTool,
    alias: 't',
    commands: CONFIG_COMMANDS,
    cacheInput: 'build',
  },
  'python-version': {
    type: 'string',
    description: 'target Lambda Python version, e.g. 3.12',
    parse: parsePythonVersion,
    // 3.10 would read as 3.1: refused with a hint to quote it.
    fromNumber: pythonVersionFromNumber,
    commands: ['build'],
    cacheInput: 'build',
  },
  architecture: {
    type: 'string',
    description: 'target architecture: x86_64 or arm64',
    parse: parseArchitecture,
    commands: ['build'],
    cacheInput: 'build',
  },
  installer: {
    type: 'string',
    description: "who installs the locked wheels: uv (default) or pip, for pip's exact behaviour (both pinned by layer)",
    parse: parseInstaller,
    commands: ['build'],
    cacheInput: 'build',
  },
  container: { type: 'boolean', description: 'build inside the SAM build image (needs Docker)', commands: ['build'], cacheInput: 'build' },
  'index-url': {
    type: 'string',
    description: 'private package index URL (credentials come from the environment)',
    parse: parseIndexUrl,
    commands: ['build'],
    cacheInput: 'build',
  },
  'index-name': {
    type: 'string',
    description: 'name of the private index in pyproject (Poetry source / uv index)',
    parse: parseIndexName,
    commands: ['build'],
    cacheInput: 'build',
  },
  ignore: {
    type: 'string[]',
    description: 'extra glob patterns to leave out of layer.zip',
    parse: parseGlobs,
    commands: ['package'],
    cacheInput: 'package',
  },
  'default-ignore': {
    type: 'boolean',
    description: 'leave out boto3, botocore, pip, pytest, … (default true)',
    commands: ['package'],
    cacheInput: 'package',
  },
  'keep-bytecode': { type: 'boolean', description: 'keep __pycache__ and .pyc files', commands: ['package'], cacheInput: 'package' },
  'compression-level': {
    type: 'integer',
    description: 'deflate level 0-9',
    parse: parseCompressionLevel,
    commands: ['package'],
    cacheInput: 'package',
  },
  description: {
    type: 'string',
    description: 'layer version description',
    parse: maxLength('description', LAMBDA_LIMITS.descriptionMaxLength),
    commands: ['publish'],
  },
  'compatible-runtime': {
    type: 'string[]',
    description: 'compatible runtimes, e.g. python3.12',
    parse: parseCompatibleRuntimes,
    commands: ['publish'],
  },
  'compatible-architecture': {
    type: 'string[]',
    description: 'compatible architectures: x86_64, arm64',
    parse: parseCompatibleArchitectures,
    commands: ['publish'],
  },
  'license-info': {
    type: 'string',
    description: 'layer license info',
    parse: maxLength('license info', LAMBDA_LIMITS.licenseInfoMaxLength),
    commands: ['publish'],
  },
  yes: { type: 'boolean', description: 'do not ask before replacing the previous build', alias: 'y', commands: ['build'] },
  force: {
    type: 'boolean',
    description: 'redo the step even when nothing changed',
    alias: 'f',
    commands: STEP_COMMANDS,
    // Publish reads it from the command line only (commands/publish.ts): from env or pyproject it would publish on every run.
    describeFor: { publish: 'publish a new version even when the lock file did not change (command line only, not env or pyproject)' },
  },
  'dry-run': {
    type: 'boolean',
    description: 'say what would be published, shared and deleted, and why, without writing anything',
    commands: ['upload', 'publish', 'prune'],
  },
  'share-with-account': {
    type: 'string[]',
    description: 'AWS account id allowed to use the published layer version (repeatable)',
    parse: parseAccountIds,
    commands: ['publish', 'iam-policy'],
  },
  'share-with-org': {
    type: 'string[]',
    description: 'AWS Organizations id (o-…) whose accounts may use the published layer version',
    parse: parseOrganizationIds,
    commands: ['publish', 'iam-policy'],
  },
  public: { type: 'boolean', description: 'let every AWS account use the published layer version', commands: ['publish', 'iam-policy'] },
  'keep-versions': {
    type: 'integer',
    description: 'after publishing, delete all but the newest N layer versions (versions a function uses are kept)',
    parse: parseKeepVersions,
    commands: PUBLISHING,
  },
  'delete-manifests': {
    type: 'boolean',
    description: 'also delete the S3 manifest backups of deleted layer versions (kept by default as the audit trail)',
    commands: PUBLISHING,
  },
  proxy: {
    type: 'string',
    description:
      'HTTP(S) proxy for AWS, the package index and pip/uv/Poetry (default: HTTPS_PROXY / HTTP_PROXY; NO_PROXY applies); credentials only from the environment',
    parse: parseProxyUrl,
    commands: 'every',
  },
  'ca-bundle': {
    type: 'string',
    description: "PEM file of the CA certificates to trust (default: AWS_CA_BUNDLE, then the profile's ca_bundle)",
    parse: nonEmpty('CA bundle path'),
    commands: 'every',
  },
  sse: { type: 'string', description: 'server-side encryption of every object written: aws:kms or AES256', parse: parseSse, commands: 'every' },
  'sse-kms-key-id': {
    type: 'string',
    description:
      'KMS key for aws:kms (key id, key ARN or alias/NAME; with several regions alias/NAME or a multi-Region mrk- key; default: the AWS managed key aws/s3)',
    parse: parseKmsKeyId,
    commands: 'every',
  },
  'bucket-key': { type: 'boolean', description: 'use an S3 Bucket Key with aws:kms', commands: 'every' },
  'expected-bucket-owner': {
    type: 'string',
    description: 'account id that must own the bucket; every S3 request carries it',
    parse: parseAccountId,
    commands: 'every',
  },
  profile: {
    type: 'string',
    description: 'AWS profile (default: the SDK chain: AWS_PROFILE, …)',
    parse: nonEmpty('profile name'),
    commands: 'every',
  },
  region: {
    type: 'string[]',
    description: 'AWS region (default: the SDK chain: AWS_REGION, …); repeat it to upload and publish in several regions, with {region} in --s3dir',
    parse: parseRegions,
    commands: 'every',
    repeatFlag: true,
  },
  regions: {
    type: 'string[]',
    description: 'AWS regions (pyproject: regions = ["us-east-1", "eu-west-1"]); the same as repeating --region',
    parse: parseRegions,
    commands: 'none',
  },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** The declaration of one key. */
export function configKeySpec(key: ConfigKey): ConfigKeySpec {
  return CONFIG_SCHEMA[key];
}

export function isConfigKey(key: string): key is ConfigKey {
  return Object.prototype.hasOwnProperty.call(CONFIG_SCHEMA, key);
}

/** The environment variable of a key: `s3dir` -> LAYER_S3DIR, `layer-name` -> LAYER_LAYER_NAME. */
export function configEnvName(key: ConfigKey): string {
  return `LAYER_${key.toUpperCase().replace(/-/g, '_')}`;
}

/** The keys every command takes as flags (the AWS and network settings). */
export const GLOBAL_CONFIG_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => configKeySpec(key).commands === 'every');

/** Whether `command` takes `key` as a flag of its own (not one of the global ones); workflow takes its steps' keys. */
export function isCommandConfigKey(key: ConfigKey, command: LayerCommandName): boolean {
  const { commands } = configKeySpec(key);
  if (!Array.isArray(commands)) return false;
  const takes = commands as readonly ConfigCommand[];
  return command === 'workflow' ? STEP_COMMANDS.some((step) => takes.includes(step)) : takes.includes(command);
}

/** The keys a command takes as its own flags, in schema order (the global ones are not among them). */
export function commandConfigKeys(command: LayerCommandName): ConfigKey[] {
  return CONFIG_KEYS.filter((key) => isCommandConfigKey(key, command));
}

/** The keys whose variables are cache inputs of one Nx target, in schema order: build's, or package's own (package also takes build's). */
export function cacheInputKeys(target: CachedTarget): ConfigKey[] {
  return CONFIG_KEYS.filter((key) => configKeySpec(key).cacheInput === target);
}
