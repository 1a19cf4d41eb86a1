import { ErrorCodes, type IndexCredentials, LayerError, type Redactor } from '@lambda-layer/core';

/** The cause of a failed fetch in words: Node's fetch hides it in `cause.code`. */
function networkCause(error: unknown): string {
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'the host name does not resolve (DNS)',
    EAI_AGAIN: 'the host name does not resolve (DNS, temporary failure)',
    ETIMEDOUT: 'no answer (timed out)',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
  };
  if (code && words[code]) return words[code];
  if ((error as Error).name === 'TimeoutError') return 'no answer within 10 s';
  return code ?? (error as { cause?: Error }).cause?.message ?? (error as Error).message ?? 'unknown network error';
}

/**
 * Asks the index for its root page with the credentials. The tools word an
 * authentication failure, and an index they cannot reach at all, as "no
 * matching distribution" (pip) or bury it in a hint (uv), which reads as a
 * missing wheel; after a failed install this tells the user the real reason.
 */
export async function probeIndex(credentials: IndexCredentials, redactor: Redactor): Promise<LayerError | undefined> {
  // PyPI never asks for a login (and its root page is the list of every project).
  if (!credentials.indexUrl || /^https:\/\/pypi\.org\/simple\/?$/.test(credentials.indexUrl)) return undefined;
  const headers: Record<string, string> = {};
  if (credentials.username || credentials.password) {
    headers.authorization = `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
  }
  let status: number;
  try {
    const response = await fetch(credentials.indexUrl, { headers, signal: AbortSignal.timeout(10_000) });
    status = response.status;
    // Only the status matters: stop the body here.
    await response.body?.cancel();
  } catch (error) {
    return new LayerError(ErrorCodes.BUILD_FAILED, redactor.redact(`the package index ${credentials.indexUrl} is unreachable: ${networkCause(error)}`), {
      hint: 'check --index-url (or the index in the lock file) and the network, then build again',
      details: { reason: 'index-unreachable' },
    });
  }
  if (status !== 401 && status !== 403) return undefined;
  const given = credentials.username || credentials.password;
  return new LayerError(
    ErrorCodes.BUILD_FAILED,
    redactor.redact(`the package index ${credentials.indexUrl} ${given ? 'refused the credentials' : 'needs credentials'} (HTTP ${status})`),
    { hint: 'set LAYER_INDEX_USERNAME and LAYER_INDEX_PASSWORD (or the tool\'s own index variables) to a valid login', details: { status } },
  );
}
