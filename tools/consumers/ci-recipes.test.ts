/**
 * What users copy stays true: the CI recipes in examples/ci/ and the README's
 * tool section name the Python tool versions the suite installs and tests
 * (tools/python-tools.json), and the targets and outputs the packages make.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { githubOutputLines, PUBLISH_RESULT_FILE, type PublishOutputs, publishOutputsOf } from '../../packages/cli/src/result-file.js';
import { DEFAULT_TARGET_PREFIX } from '../../packages/nx/src/index.js';

const read = (...path: string[]) => readFile(join(repoRoot, ...path), 'utf8');
const RECIPES = ['github-actions.yml', 'gitlab-ci.yml'];

async function testedToolVersions(): Promise<Array<[string, string]>> {
  const { tools } = JSON.parse(await read('tools', 'python-tools.json')) as { tools: string[] };
  return tools.map((spec) => spec.split('==') as [string, string]);
}

describe('the CI recipes and the README', () => {
  it.each(RECIPES)('%s installs exactly the Python tool versions the tests run', async (recipe) => {
    const text = await read('examples', 'ci', recipe);
    for (const [tool, version] of await testedToolVersions()) {
      const pinned = [...text.matchAll(new RegExp(`\\b${tool}==([\\w.]+)`, 'g'))].map((match) => match[1]);
      if (tool === 'uv' || recipe === 'gitlab-ci.yml') expect(pinned.length, `${recipe} installs ${tool}`).toBeGreaterThan(0);
      for (const found of pinned) expect(found, `${tool} in ${recipe}`).toBe(version);
    }
  });

  it('the README names the same tested versions', async () => {
    const readme = await read('README.md');
    for (const [tool, version] of await testedToolVersions()) expect(readme).toContain(`${tool}==${version}`);
  });

  it.each(RECIPES)('%s runs the targets the plugin infers and reads the results the CLI writes', async (recipe) => {
    const text = await read('examples', 'ci', recipe);
    expect(text).toContain(`-t ${DEFAULT_TARGET_PREFIX}package`);
    expect(text).toContain(`-t ${DEFAULT_TARGET_PREFIX}publish`);
    expect(text).toContain(`build/lambda/layer/${PUBLISH_RESULT_FILE}`);
  });

  it('the GitHub workflow reads a step output the CLI writes to $GITHUB_OUTPUT', async () => {
    const text = await read('examples', 'ci', 'github-actions.yml');
    const deployment = {
      status: 'published' as const,
      layerName: 'x',
      layerVersion: 1,
      layerVersionArn: 'arn:aws:lambda:us-east-1:123456789012:layer:x:1',
      s3pathManifest: 's3://b/k',
    };
    const names = githubOutputLines(publishOutputsOf('publish', deployment) as PublishOutputs)
      .trim()
      .split('\n')
      .map((line) => line.split('=')[0]);
    const used = [...text.matchAll(/steps\.\w+\.outputs\.([\w-]+)/g)].map((match) => match[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(names).toContain(name);
  });
});
