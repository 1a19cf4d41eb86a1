/**
 * The external tools the comparison bench runs, installed once into
 * .cache/bench-tools/ (git-ignored) with the pinned uv, each in its own
 * virtual environment on Python 3.12 (the bench's target runtime, which the
 * original tool's pip path and `sam build` both install for): AWS SAM CLI,
 * the Python original (aws-lambda-artifact-builder) and the AWS CLI. Also
 * the real wheels of the bench's 13 packages, fetched once into
 * .cache/bench-wheels/ for a loopback index. A stamp per folder makes a
 * second run cost nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, toolsBin } from '@lambda-layer/testing';
import { must } from './measure.js';

export const benchToolsDir = join(repoRoot, '.cache', 'bench-tools');
export const benchWheelsDir = join(repoRoot, '.cache', 'bench-wheels');

/** The bench project: pyyaml, six, requests, pydantic, orjson and their dependencies, pinned. */
export const BENCH_PACKAGES = [
  'annotated-types==0.7.0',
  'certifi==2025.1.31',
  'charset-normalizer==3.4.1',
  'idna==3.10',
  'orjson==3.10.18',
  'pydantic==2.11.7',
  'pydantic-core==2.33.2',
  'pyyaml==6.0.2',
  'requests==2.32.3',
  'six==1.17.0',
  'typing-extensions==4.14.1',
  'typing-inspection==0.4.1',
  'urllib3==2.3.0',
] as const;

const TOOL_SPECS = {
  sam: { packages: ['aws-sam-cli==1.170.0'], bin: 'sam', seedPip: false },
  original: { packages: ['aws-lambda-artifact-builder==0.1.8'], bin: 'python', seedPip: true },
  awscli: { packages: ['awscli==1.46.2'], bin: 'aws', seedPip: false },
} as const;
export type BenchTool = keyof typeof TOOL_SPECS;

/** A CPython 3.12 interpreter: python3.12 on PATH, else pyenv's. */
export function findPython312(): string {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && !dir.includes('.pyenv/shims') && existsSync(join(dir, 'python3.12'))) return join(dir, 'python3.12');
  const pyenv = join(homedir(), '.pyenv', 'versions');
  const version = existsSync(pyenv)
    ? readdirSync(pyenv)
        .filter((name) => name.startsWith('3.12'))
        .sort()
        .pop()
    : undefined;
  if (version) return join(pyenv, version, 'bin', 'python3.12');
  throw new Error(
    'the comparison bench needs CPython 3.12 (python3.12 on PATH or in pyenv): `sam build` and the original tool install for the interpreter they run',
  );
}

const uvEnv = () => ({ ...process.env, UV_CACHE_DIR: join(benchToolsDir, 'uv-cache'), UV_PYTHON_DOWNLOADS: 'never', UV_NO_CONFIG: '1' });

async function ensureVenv(name: BenchTool, python: string): Promise<string> {
  const spec = TOOL_SPECS[name];
  const dir = join(benchToolsDir, name);
  const stampFile = join(dir, '.bench-stamp');
  const stamp = JSON.stringify({ python, ...spec });
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;
  process.stderr.write(`[bench] installing ${spec.packages.join(' ')} into ${dir}\n`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(benchToolsDir, { recursive: true });
  await must(join(toolsBin, 'uv'), ['venv', '--quiet', ...(spec.seedPip ? ['--seed'] : []), '--python', python, dir], { env: uvEnv() });
  await must(join(toolsBin, 'uv'), ['pip', 'install', '--quiet', '--python', join(dir, 'bin', 'python'), ...spec.packages], { env: uvEnv() });
  await writeFile(stampFile, stamp);
  return dir;
}

export interface BenchTools {
  python312: string;
  sam: string;
  aws: string;
  /** The original tool's venv: its python runs the builders, its pip is the pip path's installer. */
  originalPython: string;
  originalPip: string;
}

export async function ensureBenchTools(): Promise<BenchTools> {
  const python312 = findPython312();
  const [sam, original, awscli] = await Promise.all((['sam', 'original', 'awscli'] as const).map((name) => ensureVenv(name, python312)));
  return {
    python312,
    sam: join(sam as string, 'bin', 'sam'),
    aws: join(awscli as string, 'bin', 'aws'),
    originalPython: join(original as string, 'bin', 'python'),
    originalPip: join(original as string, 'bin', 'pip'),
  };
}

/** The 13 packages' wheels for CPython 3.12 on manylinux x86_64, fetched once from the public index. */
export async function ensureBenchWheels(): Promise<string> {
  const stampFile = join(benchWheelsDir, '.stamp');
  const stamp = JSON.stringify(BENCH_PACKAGES);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return benchWheelsDir;
  process.stderr.write(`[bench] fetching ${BENCH_PACKAGES.length} wheels into ${benchWheelsDir}\n`);
  await rm(benchWheelsDir, { recursive: true, force: true });
  await mkdir(benchWheelsDir, { recursive: true });
  const platform = ['--platform', 'manylinux2014_x86_64', '--platform', 'manylinux_2_17_x86_64'];
  await must(join(toolsBin, 'python'), [
    '-m',
    'pip',
    'download',
    '--quiet',
    '--disable-pip-version-check',
    '--no-deps',
    '--only-binary=:all:',
    '--implementation',
    'cp',
    '--python-version',
    '3.12',
    ...platform,
    '-d',
    benchWheelsDir,
    ...BENCH_PACKAGES,
  ]);
  await writeFile(stampFile, stamp);
  return benchWheelsDir;
}
