import { ErrorCodes, LayerError } from '@lambda-layer/core';
import type { IndexCredentials } from './index-credentials.js';
import type { Redactor } from './redact.js';
import { indexBase, indexRequest, PYPI_SIMPLE } from './simple-index.js';

/** The index as messages name it (never with credentials: those are only ever in headers). */
export function indexName(indexUrl: string | undefined): string {
  return indexBase(indexUrl);
}

/**
 * Asks the index for its root page. The tools word an unreachable index or a
 * refused login as "no matching distribution" (pip) or bury it in a hint (uv),
 * so after a failed install this tells the user the real reason, in seconds.
 * Only the status matters: the body (PyPI's lists every project) is not read.
 */
export async function probeIndex(credentials: IndexCredentials, redactor: Redactor): Promise<LayerError | undefined> {
  const url = indexBase(credentials.indexUrl);
  const answer = await indexRequest(url, credentials, { timeoutMs: 10_000 });
  if (!answer.ok) {
    const reason = answer.failure.kind === 'unreachable' ? answer.failure.reason : `HTTP ${answer.failure.status}`;
    return new LayerError(ErrorCodes.INDEX_UNREACHABLE, redactor.redact(`cannot reach ${url}: ${reason}`), {
      hint: credentials.indexUrl
        ? "check --index-url (or the lock's index) and the network, then build again"
        : 'check the network (and HTTPS_PROXY, if you need one), then build again',
      details: { index: url, reason },
    });
  }
  const { status } = answer.response;
  await answer.response.body?.cancel();
  // PyPI never asks for a login.
  if ((status !== 401 && status !== 403) || url === PYPI_SIMPLE) return undefined;
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty username or password counts as none given
  const given = credentials.username || credentials.password;
  return new LayerError(
    ErrorCodes.INDEX_AUTH_FAILED,
    redactor.redact(`the package index ${credentials.indexUrl ?? url} ${given ? 'refused the credentials' : 'needs credentials'} (HTTP ${status})`),
    { hint: "set LAYER_INDEX_USERNAME and LAYER_INDEX_PASSWORD (or the tool's own index variables) to a valid login", details: { status } },
  );
}
