import { ErrorCodes, type LayerError } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import { checkRequirementsManifest, findIncludes, parseRequirements, usesHashes, withConsistentHashes } from './requirements.js';

describe('parseRequirements', () => {
  it('joins continuation lines, drops comments, normalises names', () => {
    const entries = parseRequirements(
      '# header\n--index-url http://x/simple\nMarkup_Safe==3.0.2 ; python_version >= "3.11" \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via fixture\nidna==3.10\n',
    );
    expect(entries).toEqual([
      { name: undefined, text: '--index-url http://x/simple' },
      { name: 'markup-safe', text: 'Markup_Safe==3.0.2 ; python_version >= "3.11" --hash=sha256:aa --hash=sha256:bb' },
      { name: 'idna', text: 'idna==3.10' },
    ]);
    expect(usesHashes(entries)).toBe(true);
    expect(usesHashes(parseRequirements('idna==3.10\n'))).toBe(false);
  });
});

describe('withConsistentHashes', () => {
  it('keeps the hashes when every requirement has them (or none has), and drops them all when some lack them', () => {
    const hashed = parseRequirements('a==1 --hash=sha256:aa\nb==2 --hash=sha256:bb\n');
    expect(withConsistentHashes(hashed)).toEqual({ entries: hashed, unhashed: [] });
    expect(withConsistentHashes(parseRequirements('a==1\n')).unhashed).toEqual([]);
    const mixed = withConsistentHashes(parseRequirements('a==1 --hash=sha256:aa --hash=sha256:cc\ngitpkg @ git+https://g/r@abc\n'));
    expect(mixed).toEqual({
      entries: [
        { name: 'a', text: 'a==1' },
        { name: 'gitpkg', text: 'gitpkg @ git+https://g/r@abc' },
      ],
      unhashed: ['gitpkg'],
    });
  });
});

describe('checkRequirementsManifest', () => {
  it.each([
    ['-r other.txt', '-r other.txt'],
    ['-rother.txt', '-r other.txt'],
    ['--requirement=base.txt', '--requirement base.txt'],
    ['-c constraints.txt', '-c constraints.txt'],
    ['--constraint  pins.txt', '--constraint pins.txt'],
  ])('refuses an include (%s) with a hint to flatten', (line, shown) => {
    const error = (() => {
      try {
        checkRequirementsManifest(`requests==2.32.3\n${line}  # more\n`);
      } catch (e) {
        return e as LayerError;
      }
      throw new Error('not refused');
    })();
    expect(error.code).toBe(ErrorCodes.REQUIREMENTS_INCLUDE);
    expect(error.message).toBe(`requirements.txt includes other files (${shown}), whose packages and changes layer would not see`);
    expect(error.hint).toContain('uv pip compile');
  });

  it('refuses a file that lists no package, and accepts pins with options and hashes', () => {
    expect(() => checkRequirementsManifest('# nothing yet\n\n--index-url https://pypi.org/simple\n')).toThrow(
      expect.objectContaining({ code: ErrorCodes.REQUIREMENTS_EMPTY, message: 'requirements.txt lists no packages, so the layer would be empty' }),
    );
    expect(() => checkRequirementsManifest('')).toThrow(expect.objectContaining({ code: ErrorCodes.REQUIREMENTS_EMPTY }));
    expect(() => checkRequirementsManifest('--index-url https://pypi.org/simple\nsix==1.17.0 \\\n    --hash=sha256:abc\n')).not.toThrow();
    expect(findIncludes(parseRequirements('six==1.17.0\n--requirement-free-text\n'))).toEqual([]);
  });
});
