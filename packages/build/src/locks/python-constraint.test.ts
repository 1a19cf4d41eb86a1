import { describe, expect, it } from 'vitest';
import { constraintAllows, toPep440Alternatives } from './python-constraint.js';

describe('constraintAllows (PEP 440 and Poetry constraints)', () => {
  it.each([
    ['>=3.11', '3.12.0', true],
    ['>=3.11,<3.12', '3.12.0', false],
    ['==3.11.*', '3.11.9', true],
    ['>=2.7, !=3.0.*, !=3.1.*, !=3.2.*', '3.12.0', true],
    ['^3.11', '3.13.0', true],
    ['^3.11', '4.0.0', false],
    ['^0.2.3', '0.3.0', false],
    ['~3.11', '3.12.0', false],
    ['~3.11', '3.11.4', true],
    ['>=3.8 <3.12', '3.12.0', false],
    ['>= 3.8, < 3.13', '3.12.0', true],
    ['<3.9 || >=3.12', '3.12.0', true],
    ['<3.9 || >=3.12', '3.11.0', false],
    ['3.12.*', '3.12.3', true],
    ['*', '3.14.0', true],
  ])('%s allows %s: %s', (constraint, version, allowed) => {
    expect(constraintAllows(constraint, version)).toBe(allowed);
  });

  it('translates Poetry shorthands into PEP 440', () => {
    expect(toPep440Alternatives('^1.2.3 || ~2.1')).toEqual(['>=1.2.3,<2', '>=2.1,<2.2']);
    expect(toPep440Alternatives('*')).toEqual(['']);
  });
});
