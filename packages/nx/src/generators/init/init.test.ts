import { readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUILD_DIR_GITIGNORE, initGenerator } from './init.js';

let tree: Tree;
beforeEach(() => {
  tree = createTreeWithEmptyWorkspace();
});

const ourEntries = () =>
  (readNxJson(tree)?.plugins ?? []).filter((entry) => (typeof entry === 'string' ? entry : entry.plugin) === '@lambda-layer/nx');

describe('nx g @lambda-layer/nx:init', () => {
  it('registers the plugin with explicit target names and git-ignores the build folders', async () => {
    await initGenerator(tree, {});
    expect(ourEntries()).toEqual([{ plugin: '@lambda-layer/nx', options: { targetPrefix: 'layer-' } }]);
    expect(tree.read('.gitignore', 'utf-8')).toBe(`# lambda-layer build folders (installed packages, layer.zip)\n${BUILD_DIR_GITIGNORE}\n`);
  });

  it('appends to an existing .gitignore after a blank line', async () => {
    tree.write('.gitignore', 'node_modules\ndist');
    await initGenerator(tree, {});
    expect(tree.read('.gitignore', 'utf-8')).toBe(
      `node_modules\ndist\n\n# lambda-layer build folders (installed packages, layer.zip)\n${BUILD_DIR_GITIGNORE}\n`,
    );
  });

  it('takes the options: target prefix, command, which pyproject.toml files (include/exclude)', async () => {
    await initGenerator(tree, {
      targetPrefix: 'py-',
      command: 'pnpm exec layer',
      include: ['services/**/pyproject.toml'],
      exclude: ['services/legacy/**'],
    });
    expect(ourEntries()).toEqual([
      {
        plugin: '@lambda-layer/nx',
        options: { targetPrefix: 'py-', command: 'pnpm exec layer' },
        include: ['services/**/pyproject.toml'],
        exclude: ['services/legacy/**'],
      },
    ]);
  });

  it('is idempotent and keeps the rest of nx.json: a re-run updates the one entry, a string entry becomes an object', async () => {
    const nxJson = JSON.parse(tree.read('nx.json', 'utf-8')!);
    tree.write('nx.json', JSON.stringify({ ...nxJson, plugins: ['@nx/js/typescript', '@lambda-layer/nx'], defaultBase: 'trunk' }));
    tree.write('.gitignore', `node_modules\n${BUILD_DIR_GITIGNORE}`);
    await initGenerator(tree, { exclude: ['examples/**'] });
    await initGenerator(tree, { targetPrefix: 'deps-' });

    const after = readNxJson(tree)!;
    expect(after.defaultBase).toBe('trunk');
    expect(after.plugins).toEqual([
      '@nx/js/typescript',
      { plugin: '@lambda-layer/nx', options: { targetPrefix: 'deps-' }, exclude: ['examples/**'] },
    ]);
    expect(tree.read('.gitignore', 'utf-8')).toBe(`node_modules\n${BUILD_DIR_GITIGNORE}`);
  });

  it('leaves .gitignore alone with skipGitignore', async () => {
    tree.write('.gitignore', 'node_modules\n');
    await initGenerator(tree, { skipGitignore: true });
    expect(tree.read('.gitignore', 'utf-8')).toBe('node_modules\n');
  });

  it('refuses an nx.json that is not JSON in one line naming the file and the fix, writing nothing', async () => {
    tree.write('nx.json', '{ "plugins": [ ');
    await expect(initGenerator(tree, {})).rejects.toThrow(
      /^nx\.json is not valid JSON \(.*\): fix it, then run `nx g @lambda-layer\/nx:init` again$/,
    );
    expect(tree.read('nx.json', 'utf-8')).toBe('{ "plugins": [ ');
    expect(tree.exists('.gitignore')).toBe(false);
  });
});
