import { describe, expect, it } from 'vitest';
import { ErrorCodes, LayerError } from './errors.js';
import { BUILD_TOOLS, detectBuildTool, manifestFileName, parseBuildTool, REQUIRED_PROJECT_FILES } from './tools.js';

describe('build tools', () => {
  it('maps each tool to its manifest file', () => {
    expect(BUILD_TOOLS.map(manifestFileName)).toEqual(['requirements.txt', 'poetry.lock', 'uv.lock']);
    for (const tool of BUILD_TOOLS) expect(REQUIRED_PROJECT_FILES[tool].at(-1)).toBe(manifestFileName(tool));
  });

  it('parses known tools and rejects an unknown one with a stable code', () => {
    expect(parseBuildTool('poetry')).toBe('poetry');
    const error = (() => {
      try {
        parseBuildTool('pipenv');
      } catch (e) {
        return e as LayerError;
      }
    })();
    expect(error).toBeInstanceOf(LayerError);
    expect(error?.code).toBe(ErrorCodes.UNKNOWN_TOOL);
    expect(error?.oneLine).toBe('unknown build tool "pipenv"; use one of pip, poetry, uv (--tool or tool = "…" in [tool.lambda-layer])');
  });
});

describe('detectBuildTool', () => {
  const withFiles = async (files: string[], check: (dir: string) => Promise<void>) => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'detect-tool-'));
    try {
      for (const file of files) await writeFile(join(dir, file), '');
      await check(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it.each([
    ['uv.lock', 'uv'],
    ['poetry.lock', 'poetry'],
    ['requirements.txt', 'pip'],
  ] as const)('finds %s -> %s', async (file, tool) => {
    await withFiles(['pyproject.toml', file], async (dir) => expect(await detectBuildTool(dir)).toBe(tool));
  });

  it('fails clearly when no manifest is there', async () => {
    await withFiles(['pyproject.toml'], async (dir) => {
      await expect(detectBuildTool(dir)).rejects.toMatchObject({ code: ErrorCodes.MANIFEST_NOT_FOUND });
    });
  });

  it('fails clearly, naming both files, when two manifests are there', async () => {
    await withFiles(['poetry.lock', 'requirements.txt'], async (dir) => {
      const error = (await detectBuildTool(dir).catch((e: unknown) => e)) as LayerError;
      expect(error.code).toBe(ErrorCodes.TOOL_AMBIGUOUS);
      expect(error.oneLine).toContain('requirements.txt and poetry.lock');
      expect(error.oneLine).toContain('--tool pip|poetry');
    });
  });
});
