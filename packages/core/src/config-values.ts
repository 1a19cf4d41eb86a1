/**
 * Parsers of single setting values that no other module owns: each returns
 * the value normalised or throws a `LayerError` saying what is wrong and how
 * to write it. `CONFIG_SCHEMA` (config-schema.ts) applies them to every value
 * from a flag, the environment or pyproject.toml; the step packages keep their
 * own checks for library callers.
 */
import { ErrorCodes, LayerError } from './errors.js';
import { type Architecture, ARCHITECTURES, LAMBDA_LIMITS, LAMBDA_RUNTIMES, PYTHON_VERSIONS } from './lambda.js';
import { hasRegionPlaceholder, s3dirForRegion } from './regions.js';
import { S3Path } from './s3-path.js';
import type { Installer } from './tools.js';

/** Reports something worth a warning about a value that was accepted (e.g. normalised). */
export type ConfigNote = (warning: string) => void;

function invalid(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_OPTION, message, { hint });
}

// LayerName as Lambda's API states it: a name, or a layer ARN.
const LAYER_NAME = /^[a-zA-Z0-9_-]+$/;
const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9_-]+$/;

/** A layer name (1-140 of letters, digits, "-", "_") or a layer ARN. */
export function parseLayerName(value: string): string {
  const name = value.trim();
  if (name.startsWith('arn:')) {
    if (!LAYER_ARN.test(name) || name.length > LAMBDA_LIMITS.layerNameMaxLength) {
      throw invalid(`invalid layer ARN ${JSON.stringify(name)}`, 'use arn:aws:lambda:REGION:ACCOUNT:layer:NAME or a plain layer name');
    }
    return name;
  }
  if (!LAYER_NAME.test(name)) throw invalid(`invalid layer name ${JSON.stringify(name)}`, 'use only letters, digits, "-" and "_"');
  if (name.length > LAMBDA_LIMITS.layerNameMaxLength) {
    throw invalid(
      `the layer name is ${name.length} characters long, more than Lambda's ${LAMBDA_LIMITS.layerNameMaxLength}`,
      'use a shorter layer name',
    );
  }
  return name;
}

/** Deflate level 0-9. */
export function parseCompressionLevel(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 9) {
    throw invalid(
      `compression level must be a whole number from 0 to 9, got ${JSON.stringify(value)}`,
      'use 0 (store) to 9 (smallest, slowest); the default is 6',
    );
  }
  return value;
}

/** A package index URL: http(s), and without credentials (those come from the environment only). */
export function parseIndexUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`the index URL ${JSON.stringify(value)} is not a URL`, 'pass the index URL, e.g. https://pkgs.example.com/simple/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`the index URL must be http or https, got ${url.protocol}`, 'pass the index URL, e.g. https://pkgs.example.com/simple/');
  }
  if (url.username || url.password) {
    throw invalid(
      'the index URL must not contain a username or password',
      'set LAYER_INDEX_USERNAME and LAYER_INDEX_PASSWORD in the environment instead',
    );
  }
  return value;
}

/** An AWS endpoint URL (a local emulator, a VPC endpoint): http(s) with a host. */
export function parseEndpointUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw invalid(
      `endpoint URL invalid: ${JSON.stringify(value)} is not an http(s) URL`,
      'pass a URL such as http://127.0.0.1:5000 or https://s3.eu-west-1.amazonaws.com',
    );
  }
  return value;
}

/** The name of a private index as pyproject names it (a uv index / Poetry source); it becomes part of variable names. */
export function parseIndexName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) {
    throw invalid(
      `invalid index name ${JSON.stringify(value)}`,
      'use the name of a [[tool.uv.index]] or [[tool.poetry.source]] entry (letters, digits, ".", "-", "_")',
    );
  }
  return value;
}

/** An AWS region identifier such as us-east-1 or eu-central-2. */
export function parseRegion(value: string): string {
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(value)) throw invalid(`invalid AWS region ${JSON.stringify(value)}`, 'use a region name such as us-east-1');
  return value;
}

/** AWS regions (a repeated --region, `regions = [...]`): each a region name, each once. */
export function parseRegions(values: string[]): string[] {
  return [...new Set(values.map((value) => parseRegion(value.trim())))];
}

/** A 12-digit AWS account id (a bucket owner, an account to share with, the account of a policy). */
export function parseAccountId(value: string): string {
  const text = value.trim();
  if (!/^\d{12}$/.test(text))
    throw invalid(
      `invalid AWS account id ${JSON.stringify(value)}`,
      'an account id is 12 digits, e.g. 123456789012 (from `aws sts get-caller-identity`)',
    );
  return text;
}

/** AWS account ids to share a layer version with: 12 digits each, each once. */
export function parseAccountIds(values: string[]): string[] {
  return [...new Set(values.map(parseAccountId))];
}

/** AWS Organizations ids (`o-` and 10 to 32 lower-case letters or digits), each once. */
export function parseOrganizationIds(values: string[]): string[] {
  for (const value of values) {
    if (!/^o-[a-z0-9]{10,32}$/.test(value.trim())) {
      throw invalid(
        `invalid organization id ${JSON.stringify(value)}`,
        'an organization id is "o-" and 10 to 32 lower-case letters or digits, e.g. o-a1b2c3d4e5 (from `aws organizations describe-organization`)',
      );
    }
  }
  return [...new Set(values.map((value) => value.trim()))];
}

/** How many of the newest layer versions to keep: 1 or more (the latest is always kept). */
export function parseKeepVersions(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw invalid(
      `keep-versions must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`,
      'pass how many of the newest versions to keep, e.g. --keep-versions 10',
    );
  }
  return value;
}

/** Text of at most `max` characters (Lambda's limits on a description or license). */
export function maxLength(what: string, max: number): (value: string) => string {
  return (value) => {
    if (value.length > max)
      throw invalid(`the ${what} is ${value.length} characters long, more than Lambda's ${max}`, `shorten it to at most ${max} characters`);
    return value;
  };
}

/** Lambda runtime identifiers, each known to Lambda, at most 15 of them. */
export function parseCompatibleRuntimes(values: string[]): string[] {
  const runtimes = [...new Set(values.map((value) => value.trim()))];
  for (const runtime of runtimes) {
    if (!(LAMBDA_RUNTIMES as readonly string[]).includes(runtime)) {
      throw invalid(`unknown Lambda runtime ${JSON.stringify(runtime)}`, 'use runtime identifiers such as python3.12 or python3.13');
    }
  }
  if (runtimes.length > LAMBDA_LIMITS.compatibleRuntimesMax) {
    throw invalid(
      `${runtimes.length} compatible runtimes given, more than Lambda's ${LAMBDA_LIMITS.compatibleRuntimesMax}`,
      `list at most ${LAMBDA_LIMITS.compatibleRuntimesMax}`,
    );
  }
  return runtimes;
}

/** x86_64 and/or arm64, as Lambda spells them. */
export function parseCompatibleArchitectures(values: string[]): Architecture[] {
  const architectures = [...new Set(values.map((value) => value.trim()))];
  for (const architecture of architectures) {
    if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
      throw invalid(`unknown architecture ${JSON.stringify(architecture)}`, `use ${ARCHITECTURES.join(' and/or ')}`);
    }
  }
  return architectures as Architecture[];
}

/** Glob patterns: none empty. */
export function parseGlobs(values: string[]): string[] {
  for (const pattern of values) {
    if (pattern.trim() === '') throw invalid('an ignore pattern is empty', 'pass a glob such as "*/tests/*"');
  }
  return values;
}

/** Who installs the wheels: the pinned uv (the default) or the pinned pip. */
export const INSTALLERS = ['uv', 'pip'] as const satisfies readonly Installer[];

export function parseInstaller(value: string): Installer {
  const installer = value.trim();
  if ((INSTALLERS as readonly string[]).includes(installer)) return installer as Installer;
  throw invalid(`unknown installer ${JSON.stringify(value)}`, `use ${INSTALLERS.join(' or ')} (uv is the default; pip gives pip's exact behaviour)`);
}

/**
 * An s3dir names a folder: one without the trailing "/" is taken as that
 * folder, and the user is told. It may hold `{region}` (one bucket per
 * region): checked as it reads for a region, and kept as a template.
 */
export function parseS3dir(value: string, note: ConfigNote = () => {}): string {
  if (hasRegionPlaceholder(value)) {
    // The longest region names make the longest bucket names: both must be valid.
    for (const region of ['us-east-1', 'ap-southeast-5', 'us-gov-west-1']) parseS3dir(s3dirForRegion(value, region));
    if (value.trim().endsWith('/')) return value.trim();
    note(`s3dir ${JSON.stringify(value)} does not end with "/": using the folder ${value.trim()}/`);
    return `${value.trim()}/`;
  }
  const path = S3Path.parse(value);
  if (path.isDir) return path.uri;
  const dir = S3Path.parseDir(path.uri);
  note(`s3dir ${JSON.stringify(value)} does not end with "/": using the folder ${dir.uri}`);
  return dir.uri;
}

/** Text that is not blank, trimmed (a profile name, a file path). */
export function nonEmpty(what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new LayerError(ErrorCodes.INVALID_OPTION, `the ${what} is empty`, { hint: `give a ${what}` });
    return value.trim();
  };
}

/**
 * `python-version = 3.12` in TOML is a float, which reads back as "3.12"; but
 * `3.10` is the float 3.1, so a number that could mean either is refused with
 * the fix rather than read as a Python that Lambda does not have.
 */
export function pythonVersionFromNumber(value: number, where: string): string {
  const text = String(value);
  if (!(PYTHON_VERSIONS as readonly string[]).includes(text) && (PYTHON_VERSIONS as readonly string[]).includes(`${text}0`)) {
    throw new LayerError(
      ErrorCodes.CONFIG_INVALID_VALUE,
      `python-version in ${where} is the TOML number ${text}, which cannot tell ${text} from ${text}0`,
      {
        hint: `quote it: python-version = "${text}0"`,
        details: { key: 'python-version', where },
      },
    );
  }
  return text;
}
