import { describe, expect, it } from 'vitest';
import { ErrorCodes, LayerError } from './errors.js';
import { BUILD_TOOLS, manifestFileName, parseBuildTool, REQUIRED_PROJECT_FILES } from './tools.js';

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
