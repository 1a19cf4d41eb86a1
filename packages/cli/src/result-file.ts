import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, isSystemError, LayerError, localLayout, type RegionOutcome, type WorkflowResult, writeFileAtomically } from '@lambda-layer/core';
import type { LayerCommand } from './command.js';
import { isMultiRegion, type Publication, type PublishOutcome } from './commands/publish.js';

/** The publish result every publish and workflow leaves in the project's build folder, for later CI steps. */
export const PUBLISH_RESULT_FILE = 'publish-result.json';

export function publishResultPath(projectDir: string): string {
  return join(localLayout(projectDir).buildDir, PUBLISH_RESULT_FILE);
}

/** One region's publish result (or dry-run plan), with its region when known. */
export interface RegionalPublication {
  region: string | undefined;
  publication: Publication;
}

/** What a command's result says about publishing, for the files and outputs later CI steps read. */
export interface PublishOutputs {
  /** One per region that published (or planned); one without a region for a single region. */
  publications: RegionalPublication[];
  /** Regions whose publish failed (a multi-region run that is partly done). */
  failedRegions: string[];
  /** Several regions were configured: outputs are named per region. */
  multiRegion: boolean;
  status: string;
  /** A dry run: nothing was published, so publish-result.json (the published state) is left as it is. */
  dryRun: boolean;
  /** What publish-result.json holds: the publish result as `layer publish --json` prints it. */
  file: unknown;
}

/** The region in a layer (version) ARN: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION. */
function regionOfArn(arn: string | undefined): string | undefined {
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty region field counts as none
  return arn?.split(':')[3] || undefined;
}

function fromEntries(
  status: string,
  layerName: string | undefined,
  dryRun: boolean,
  entries: ReadonlyArray<RegionOutcome<Publication>>,
  failedRegions: string[] | undefined,
): PublishOutputs {
  const publications = entries
    .filter((entry): entry is Publication & { region: string } => !('error' in entry))
    .map((entry) => ({ region: entry.region, publication: entry }));
  return {
    publications,
    failedRegions: failedRegions ?? [],
    multiRegion: true,
    status,
    dryRun,
    file: { status, ...(layerName ? { layerName } : {}), regions: entries, ...(failedRegions?.length ? { failedRegions } : {}) },
  };
}

function single(publication: Publication): PublishOutputs {
  const dryRun = 'dryRun' in publication && publication.dryRun;
  return {
    publications: [{ region: regionOfArn(publication.layerVersionArn), publication }],
    failedRegions: [],
    multiRegion: false,
    status: publication.status,
    dryRun,
    file: publication,
  };
}

/** The publish results a command's result holds: publish's own (one, or one per region), or the publish step of a workflow. */
export function publishOutputsOf(command: LayerCommand['name'], result: unknown): PublishOutputs | undefined {
  if (command === 'publish') {
    const outcome = result as PublishOutcome;
    if (!isMultiRegion(outcome)) return single(outcome);
    return fromEntries(outcome.status, outcome.layerName, outcome.dryRun === true, outcome.regions, outcome.failedRegions);
  }
  if (command === 'workflow') {
    const workflow = result as WorkflowResult;
    if (workflow.regions) {
      const entries = workflow.regions.map((entry): RegionOutcome<Publication> =>
        entry.publish
          ? { ...entry.publish, region: entry.region }
          : {
              region: entry.region,
              status: entry.status === 'interrupted' ? 'interrupted' : 'error',
              error: entry.error ?? { code: 'E_INTERNAL', message: 'no result' },
            },
      );
      const layerName = workflow.regions.find((entry) => entry.publish)?.publish?.layerName;
      return fromEntries(workflow.status, layerName, workflow.dryRun === true, entries, workflow.failedRegions);
    }
    return workflow.publish ? single(workflow.publish) : undefined;
  }
  return undefined;
}

/**
 * `name=value` lines for `$GITHUB_OUTPUT` (values are one line each, so the
 * simple form is safe): `layer-version-arn`, `layer-version` and `status`
 * for one region, and the same per region (`layer-version-arn-eu-west-1`)
 * whenever the region is known; with several regions also `regions` and
 * `failed-regions`. A version a dry run would publish has no ARN yet.
 */
export function githubOutputLines(outputs: PublishOutputs): string {
  const lines: string[] = [];
  const describe = ({ publication }: RegionalPublication, suffix: string) => {
    if (publication.layerVersionArn && publication.status !== 'would-publish')
      lines.push(`layer-version-arn${suffix}=${publication.layerVersionArn}`);
    lines.push(`layer-version${suffix}=${publication.layerVersion}`, `status${suffix}=${publication.status}`);
  };
  if (!outputs.multiRegion) {
    for (const entry of outputs.publications) {
      describe(entry, '');
      if (entry.region) describe(entry, `-${entry.region}`);
    }
  } else {
    for (const entry of outputs.publications) describe(entry, `-${entry.region}`);
    for (const region of outputs.failedRegions) lines.push(`status-${region}=error`);
    lines.push(`status=${outputs.status}`, `regions=${[...outputs.publications.map((entry) => entry.region), ...outputs.failedRegions].join(',')}`);
    if (outputs.failedRegions.length) lines.push(`failed-regions=${outputs.failedRegions.join(',')}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Writes a file whole or not at all: a reader (a later CI step) never sees half a result. Its folder is
 * made only when missing: `mkdir -p` would answer a file in the path with EEXIST, the write names it ENOTDIR.
 */
async function writeResultFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomically(path, text);
  } catch (error) {
    if (!isSystemError(error) || error.code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomically(path, text);
  }
}

export interface ResultOutputOptions {
  projectDir: string;
  /** `--output-file PATH`: the command's whole result as JSON (relative to the current folder). */
  outputFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** "layer version 3 of my-deps is published, but " / "layer versions were published in 2 regions, but ". */
function whatIsDone(outputs: PublishOutputs | undefined): string {
  const published = outputs?.publications.filter(({ publication }) => publication.status !== 'would-publish') ?? [];
  if (!outputs || outputs.dryRun || !published.length) return '';
  if (!outputs.multiRegion) {
    const { publication } = published[0] as RegionalPublication;
    return `layer version ${publication.layerVersion} of ${publication.layerName} is ${publication.status}, but `;
  }
  return `layer versions are in place in ${published.map(({ region, publication }) => `${region} (version ${publication.layerVersion})`).join(', ')}, but `;
}

function notWritten(what: string, path: string, outputs: PublishOutputs | undefined, error: unknown): LayerError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new LayerError(ErrorCodes.RESULT_NOT_WRITTEN, `${whatIsDone(outputs)}${what} could not be written to ${path} (${reason})`, {
    hint: 'make the path writable and run the command again (it finds nothing to redo)',
    cause: error,
    details: { path },
  });
}

/**
 * Hands a result to whatever runs next: `--output-file` (any command),
 * `build/lambda/layer/publish-result.json` and, in GitHub Actions,
 * `$GITHUB_OUTPUT` after publish and workflow (see `githubOutputLines`). A
 * dry run leaves publish-result.json alone: it describes what is published.
 * Files are replaced atomically; the GitHub lines are appended in one write.
 */
export async function writeResultOutputs(command: LayerCommand['name'], result: unknown, options: ResultOutputOptions): Promise<void> {
  const env = options.env ?? process.env;
  const outputs = publishOutputsOf(command, result);
  if (options.outputFile) {
    const path = resolve(options.outputFile);
    await writeResultFile(path, `${JSON.stringify(result, null, 2)}\n`).catch((error: unknown) => {
      throw notWritten('the result', path, outputs, error);
    });
  }
  if (!outputs) return;
  if (!outputs.dryRun) {
    const resultFile = publishResultPath(options.projectDir);
    await writeResultFile(resultFile, `${JSON.stringify(outputs.file, null, 2)}\n`).catch((error: unknown) => {
      throw notWritten('the publish result', resultFile, outputs, error);
    });
  }
  const githubOutput = env.GITHUB_OUTPUT;
  if (githubOutput) {
    await appendFile(githubOutput, githubOutputLines(outputs)).catch((error: unknown) => {
      throw notWritten('the GitHub step outputs', githubOutput, outputs, error);
    });
  }
}
