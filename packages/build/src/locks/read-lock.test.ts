import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes } from '@lambda-layer/core';
import { useTempDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { readLockedInstallSet } from './read-lock.js';

const temp = useTempDir('read-lock-', { each: true });
const target = { environment: {} };

describe('readLockedInstallSet', () => {
  it('names a missing lock, and says in plain words what the system refused', async () => {
    await writeFile(join(temp.path, 'pyproject.toml'), '[project]\nname = "app"\nversion = "1"\n');
    await expect(readLockedInstallSet({ dir: temp.path, tool: 'uv', ...target })).rejects.toMatchObject({ code: ErrorCodes.MANIFEST_NOT_FOUND });
    // A folder where the lock should be: the system error, mapped (never a raw EISDIR).
    await mkdir(join(temp.path, 'uv.lock'));
    await expect(readLockedInstallSet({ dir: temp.path, tool: 'uv', ...target })).rejects.toMatchObject({
      code: ErrorCodes.NOT_A_FILE,
      message: expect.stringContaining('uv.lock'),
    });
  });
});
