import { describe, expect, it } from 'vitest';
import { extractIndexOptions, parseRequirements, usesHashes, uvLockRegistries } from './requirements.js';

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

  it('takes the index options out of an export', () => {
    const { entries, index } = extractIndexOptions(
      parseRequirements('--trusted-host 127.0.0.1:9\n--index-url http://127.0.0.1:9/simple\n--extra-index-url https://e/simple\nidna==3.10\n'),
    );
    expect(entries.map((e) => e.text)).toEqual(['idna==3.10']);
    expect(index).toEqual({ indexUrl: 'http://127.0.0.1:9/simple', extraIndexUrls: ['https://e/simple'], trustedHosts: ['127.0.0.1:9'] });
  });

  it('lists the registries of a uv.lock', () => {
    const lock = '[[package]]\nsource = { registry = "http://a/simple/" }\n[[package]]\nsource = { registry = "http://a/simple/" }\n[[package]]\nsource = { virtual = "." }\n';
    expect(uvLockRegistries(lock)).toEqual(['http://a/simple/']);
  });
});
