/**
 * Keeps private-index passwords (and proxy passwords) out of every line the
 * build prints or puts in an error: the logger applies a `Redactor` to each line.
 */
import type { IndexCredentials } from './index-credentials.js';

const MASK = '****';
// scheme://user:password@host -> scheme://user:****@host (also a bare token: scheme://token@host)
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::([^\s/@]*))?@/gi;

/**
 * Removes anything that could carry a password from text: the userinfo of every
 * URL, and every known secret value (also in its URL-encoded form).
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined> = []) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < 3) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  static forCredentials(credentials: IndexCredentials | undefined): Redactor {
    return new Redactor([credentials?.password]);
  }

  redact(text: string): string {
    let out = text.replace(URL_USERINFO, (_match, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
    );
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }
}

/** Redacts URL credentials (no known secrets): for text that may hold an index URL. */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  return new Redactor(secrets).redact(text);
}
