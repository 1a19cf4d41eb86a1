import { ErrorCodes, type IndexCredentials, LayerError, type Redactor } from '@lambda-layer/core';

/**
 * Asks the index for its root page with the credentials. The tools word an
 * authentication failure as "no matching distribution" (pip) or bury it in a
 * hint (uv), so after a failed install this tells the user the real reason.
 */
export async function probeIndexAuth(credentials: IndexCredentials, redactor: Redactor): Promise<LayerError | undefined> {
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
  } catch {
    return undefined; // unreachable: the tool's own message says more
  }
  if (status !== 401 && status !== 403) return undefined;
  const given = credentials.username || credentials.password;
  return new LayerError(
    ErrorCodes.BUILD_FAILED,
    redactor.redact(`the package index ${credentials.indexUrl} ${given ? 'refused the credentials' : 'needs credentials'} (HTTP ${status})`),
    { hint: 'set LAYER_INDEX_USERNAME and LAYER_INDEX_PASSWORD (or the tool\'s own index variables) to a valid login', details: { status } },
  );
}
