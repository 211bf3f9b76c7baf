// Which HTTP failures are worth another attempt, in one place. Every HTTP concern (deploy
// adapter, checks, notify) asks here, so "retry a 503, not a 403" means the same everywhere.
import { CancelledFailure } from '@temporalio/common';
import { cancelled } from '../../src/domain/cancelled.js';
import { isAxiosError, isCancel } from 'axios';

/**
 * Server trouble, throttling, a timeout or a conflict with a request still in flight: another
 * attempt may succeed. Any other 4xx is the server refusing this request, which a retry will
 * not change.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 425 || status === 429;
}

/** No answer within the limit: retryable (type 'Timeout' once redactError wraps it). */
export class HttpTimeout extends Error {
  override name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** The server could not be reached (refused, DNS, TLS, reset): retryable ('NetworkError'). */
export class HttpUnreachable extends Error {
  override name = 'NetworkError';
}

/**
 * What a request that got no answer rejects with: the activity's CancelledFailure when it was
 * cancelled, an HttpTimeout, or an HttpUnreachable naming the cause (ECONNREFUSED ...).
 * Anything else (a bug, a bad URL) is passed on as it is.
 */
export function transportError(err: unknown, timeoutMs: number, signal?: AbortSignal): Error {
  if (signal?.aborted) return cancelled(signal, 'request');
  if (isCancel(err)) return new CancelledFailure('request cancelled');
  if (!isAxiosError(err)) return err instanceof Error ? err : new Error(String(err));
  if ((err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') && /^timeout/.test(err.message)) return new HttpTimeout(timeoutMs);
  if (err.code === 'ERR_INVALID_URL') return new Error(err.message);
  const code = err.code && !err.message.includes(err.code) ? ` (${err.code})` : '';
  return new HttpUnreachable(`${err.message || 'no answer'}${code}`);
}
