import { describe, expect, it } from 'vitest';
import { pipMissingWheels } from './pip.js';
import { uvMissingWheels } from './uv.js';

describe('telling "no wheel for the target" apart from other failures', () => {
  it('reads pip', () => {
    const output =
      'ERROR: Could not find a version that satisfies the requirement Native_Only==0.1.0 (from versions: none)\nERROR: No matching distribution found for Native_Only==0.1.0';
    expect(pipMissingWheels(output)).toEqual(['native-only']);
    expect(pipMissingWheels('ERROR: Invalid requirement: "=="')).toEqual([]);
  });

  it('reads uv', () => {
    const output =
      'error: No solution found when resolving dependencies\n  cause: Because puresdist==0.1.0 has no usable wheels and you require puresdist==0.1.0, we can conclude that your requirements are unsatisfiable.\n\nhint: Wheels are required for `puresdist` because building from source is disabled for all packages (i.e., with `--no-build`)';
    expect(uvMissingWheels(output)).toEqual(['puresdist']);
    expect(uvMissingWheels('error: Failed to fetch: `http://127.0.0.1/simple/x/`')).toEqual([]);
  });
});
