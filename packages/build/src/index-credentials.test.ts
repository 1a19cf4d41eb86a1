import { describe, expect, it } from 'vitest';
import {
  credentialsFromEnv,
  indexUrlWithCredentials,
  indexUrlWithoutCredentials,
  pipIndexEnv,
  poetryIndexEnv,
  uvIndexEnv,
} from './index-credentials.js';
import { redact, Redactor } from './redact.js';

const secret = 'p@ss:w0rd/!';
const creds = { indexUrl: 'https://pkgs.example.com/simple/', indexName: 'corp-pypi', username: 'alice', password: secret };

describe('private index credentials', () => {
  it('reads LAYER_INDEX_* first, then the tools own variables', () => {
    expect(
      credentialsFromEnv({ indexName: 'corp-pypi' }, { LAYER_INDEX_USERNAME: 'a', LAYER_INDEX_PASSWORD: 'b', UV_INDEX_CORP_PYPI_PASSWORD: 'c' }),
    ).toEqual({
      indexName: 'corp-pypi',
      username: 'a',
      password: 'b',
    });
    expect(
      credentialsFromEnv({ indexName: 'corp-pypi' }, { POETRY_HTTP_BASIC_CORP_PYPI_USERNAME: 'u', POETRY_HTTP_BASIC_CORP_PYPI_PASSWORD: 'p' }),
    ).toMatchObject({
      username: 'u',
      password: 'p',
    });
  });

  it('puts credentials into the pip index URL, URL-encoded', () => {
    expect(indexUrlWithCredentials(creds)).toBe('https://alice:p%40ss%3Aw0rd%2F!@pkgs.example.com/simple/');
    expect(pipIndexEnv(creds)).toEqual({ PIP_INDEX_URL: 'https://alice:p%40ss%3Aw0rd%2F!@pkgs.example.com/simple/' });
    expect(indexUrlWithCredentials({ indexUrl: 'https://x.example/simple/' })).toBe('https://x.example/simple/');
  });

  it('takes credentials out of an index URL again, for the build stamp', () => {
    expect(indexUrlWithoutCredentials(indexUrlWithCredentials(creds) as string)).toBe('https://pkgs.example.com/simple/');
    expect(indexUrlWithoutCredentials('https://token@x.example/simple/')).toBe('https://x.example/simple/');
    expect(indexUrlWithoutCredentials('not a url')).toBe('not a url');
  });

  it('names the Poetry and uv variables after the index', () => {
    expect(poetryIndexEnv(creds)).toEqual({ POETRY_HTTP_BASIC_CORP_PYPI_USERNAME: 'alice', POETRY_HTTP_BASIC_CORP_PYPI_PASSWORD: secret });
    expect(uvIndexEnv(creds)).toEqual({ UV_INDEX_CORP_PYPI_USERNAME: 'alice', UV_INDEX_CORP_PYPI_PASSWORD: secret });
  });

  it('redacts URL userinfo and known secrets in any text', () => {
    const redactor = Redactor.forCredentials(creds);
    const line = `Looking in indexes: ${indexUrlWithCredentials(creds)} (password ${secret})`;
    const out = redactor.redact(line);
    expect(out).toBe('Looking in indexes: https://alice:****@pkgs.example.com/simple/ (password ****)');
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(redact('git+https://token123@github.example/x.git')).toBe('git+https://****@github.example/x.git');
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });
});
