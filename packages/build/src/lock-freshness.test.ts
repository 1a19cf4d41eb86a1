import { describe, expect, it } from 'vitest';
import { isUvLockPlainlyOutdated, pyprojectRequirementKeys } from './lock-freshness.js';

const PYPROJECT = `[project]
name = "Mk_App"
version = "0.1"
requires-python = ">=3.11"
dependencies = ["requests[SOCKS] >= 2, <3", "numpy<2.3; python_version < '3.12'", "Six ; sys_platform==\\"linux\\"", "idna==3.10.0"]
[dependency-groups]
dev = ["iniconfig"]
`;

/** What uv 0.13 wrote for that pyproject.toml (its project entry; the rest of the lock elided). */
const LOCK = `version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "mk-app"
version = "0.1"
source = { virtual = "." }
dependencies = [
    { name = "idna" },
    { name = "numpy", marker = "python_full_version < '3.12'" },
    { name = "requests", extra = ["socks"] },
    { name = "six", marker = "sys_platform == 'linux'" },
]

[package.dev-dependencies]
dev = [
    { name = "iniconfig" },
]

[package.metadata]
requires-dist = [
    { name = "idna", specifier = "==3.10.0" },
    { name = "numpy", marker = "python_full_version < '3.12'", specifier = "<2.3" },
    { name = "requests", extras = ["socks"], specifier = ">=2,<3" },
    { name = "six", marker = "sys_platform == 'linux'" },
]

[package.metadata.requires-dev]
dev = [{ name = "iniconfig" }]
`;

describe("uv.lock against pyproject.toml's dependencies", () => {
  it('agrees with the lock uv wrote, whatever the spelling (case, spaces, marker forms)', () => {
    expect(pyprojectRequirementKeys(PYPROJECT)).toEqual(['idna[]==3.10.0', 'numpy[]<2.3', 'requests[socks]<3,>=2', 'six[]']);
    expect(isUvLockPlainlyOutdated(PYPROJECT, LOCK)).toBe(false);
    // Dev groups are not exported: changing them is no reason to refuse.
    expect(isUvLockPlainlyOutdated(PYPROJECT.replace('"iniconfig"', '"pytest"'), LOCK)).toBe(false);
  });

  it('sees an added, removed or re-specified dependency', () => {
    expect(isUvLockPlainlyOutdated(PYPROJECT.replace('"idna==3.10.0"', '"idna==3.10.0", "attrs"'), LOCK)).toBe(true);
    expect(isUvLockPlainlyOutdated(PYPROJECT.replace(', "idna==3.10.0"', ''), LOCK)).toBe(true);
    expect(isUvLockPlainlyOutdated(PYPROJECT.replace('<2.3', '<2.4'), LOCK)).toBe(true);
  });

  it('leaves what it cannot read to uv', () => {
    expect(isUvLockPlainlyOutdated('not toml [', LOCK)).toBe(false);
    expect(isUvLockPlainlyOutdated(PYPROJECT, 'version = 1\n')).toBe(false);
    expect(isUvLockPlainlyOutdated(PYPROJECT.replace('"idna==3.10.0"', '"pkg @ https://x/pkg.whl"'), LOCK)).toBe(false);
  });
});
