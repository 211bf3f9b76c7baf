// One configured axios instance per concern (the deploy adapter, checks, notify): a time limit
// on every request, cancellation from the activity's signal, and one reading of the answer.
// Statuses are not errors here: each caller judges them (a 503 {"ok": false} is a health
// value, a 404 a region that runs nothing); failures.ts says which are worth retrying.
import axios, { type AxiosInstance, type Method } from 'axios';
import { transportError } from './failures.js';

export interface HttpClient {
  readonly concern: string;
  readonly timeoutMs: number;
  readonly axios: AxiosInstance;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as it is (a JSON string, say). */
  body?: string;
  /** The activity's cancellation: aborting it ends the request at once. */
  signal?: AbortSignal;
  /** A tighter limit than the client's for this one request. */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  ok: boolean;
  /** The body as text (bodies are quoted in error messages, and not every one is JSON). */
  text: string;
}

export function createHttpClient(concern: string, timeoutMs: number): HttpClient {
  const instance = axios.create({
    // Node's http, never XHR or fetch: the fetch adapter is where Node 20 left requests hanging.
    adapter: 'http',
    timeout: timeoutMs,
    // Like fetch before it: no HTTP_PROXY from the worker's environment.
    proxy: false,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    headers: { 'user-agent': 'firebreak' },
  });
  return { concern, timeoutMs, axios: instance };
}

/** One request; rejects only when no answer came (see transportError), never for a status. */
export async function send(client: HttpClient, req: HttpRequest): Promise<HttpAnswer> {
  const timeoutMs = Math.min(req.timeoutMs ?? client.timeoutMs, client.timeoutMs);
  try {
    const res = await client.axios.request<string>({
      url: req.url,
      method: (req.method ?? 'GET') as Method,
      headers: req.headers,
      data: req.body,
      signal: req.signal,
      timeout: timeoutMs,
    });
    const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
    return { status: res.status, statusText: res.statusText ?? '', ok: res.status >= 200 && res.status < 300, text };
  } catch (err) {
    throw transportError(err, timeoutMs, req.signal);
  }
}

/** The body parsed as JSON; undefined when it is not JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}
