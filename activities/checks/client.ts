// The checks' HTTP client, shared by the providers: one evaluation is capped below the watch's
// heartbeat timeout (src/domain/limits.ts), so a hung source cannot make a live watch look lost.
import { CHECK_REQUEST_TIMEOUT_MS } from '../../src/domain/limits.js';
import { createHttpClient, type HttpClient } from '../http/client.js';

export interface CheckClientOptions {
  /** Where ${VAR} is read; default the worker's process.env. */
  env?: NodeJS.ProcessEnv;
  /** One request's limit; at most CHECK_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The client to share (createActivities gives every provider the same one). */
  client?: HttpClient;
}

export function checkClient(opts: CheckClientOptions = {}): HttpClient {
  return opts.client ?? createHttpClient('checks', Math.min(opts.timeoutMs ?? CHECK_REQUEST_TIMEOUT_MS, CHECK_REQUEST_TIMEOUT_MS));
}
