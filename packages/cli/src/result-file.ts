import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, LayerError, localLayout, type LayerDeployment, type WorkflowResult } from '@lambda-layer/core';
import type { LayerCommand } from './command.js';

/** The publish result every publish and workflow leaves in the project's build folder, for later CI steps. */
export const PUBLISH_RESULT_FILE = 'publish-result.json';

export function publishResultPath(projectDir: string): string {
  return join(localLayout(projectDir).buildDir, PUBLISH_RESULT_FILE);
}

/** The layer version a command's result names: publish's own result, or the publish step of a workflow. */
export function deploymentOf(command: LayerCommand['name'], result: unknown): LayerDeployment | undefined {
  if (command === 'publish') return result as LayerDeployment;
  if (command === 'workflow') return (result as WorkflowResult).publish;
  return undefined;
}

/** `name=value` lines for `$GITHUB_OUTPUT` (values are one line each, so the simple form is safe). */
export function githubOutputLines(deployment: LayerDeployment): string {
  return [`layer-version-arn=${deployment.layerVersionArn}`, `layer-version=${deployment.layerVersion}`, `status=${deployment.status}`]
    .map((line) => `${line}\n`)
    .join('');
}

/** Writes a file whole or not at all: a reader (a later CI step) never sees half a result. */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface ResultOutputOptions {
  projectDir: string;
  /** `--output-file PATH`: the command's whole result as JSON (relative to the current folder). */
  outputFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

function notWritten(what: string, path: string, deployment: LayerDeployment | undefined, error: unknown): LayerError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const done = deployment ? `layer version ${deployment.layerVersion} of ${deployment.layerName} is ${deployment.status}, but ` : '';
  return new LayerError(ErrorCodes.RESULT_NOT_WRITTEN, `${done}${what} could not be written to ${path} (${reason})`, {
    hint: 'make the path writable and run the command again (it finds nothing to redo)',
    cause: error,
    details: { path },
  });
}

/**
 * Hands a successful result to whatever runs next: `--output-file` (any
 * command), `build/lambda/layer/publish-result.json` and, in GitHub Actions,
 * `$GITHUB_OUTPUT` (`layer-version-arn`, `layer-version`, `status`) after
 * publish and workflow. Files are replaced atomically; the GitHub lines are
 * appended in one write.
 */
export async function writeResultOutputs(command: LayerCommand['name'], result: unknown, options: ResultOutputOptions): Promise<void> {
  const env = options.env ?? process.env;
  const deployment = deploymentOf(command, result);
  if (options.outputFile) {
    const path = resolve(options.outputFile);
    await writeFileAtomically(path, `${JSON.stringify(result, null, 2)}\n`).catch((error: unknown) => {
      throw notWritten('the result', path, deployment, error);
    });
  }
  if (!deployment) return;
  const resultFile = publishResultPath(options.projectDir);
  await writeFileAtomically(resultFile, `${JSON.stringify(deployment, null, 2)}\n`).catch((error: unknown) => {
    throw notWritten('the publish result', resultFile, deployment, error);
  });
  const githubOutput = env.GITHUB_OUTPUT;
  if (githubOutput) {
    await appendFile(githubOutput, githubOutputLines(deployment)).catch((error: unknown) => {
      throw notWritten('the GitHub step outputs', githubOutput, deployment, error);
    });
  }
}
