// Prometheus checks: an instant query through the HTTP API (GET /api/v1/query); and for a
// compare against `before`, a range query (GET /api/v1/query_range) over the region's past.
// Both answer with Prometheus's JSON envelope: {status, data: {resultType, result}}.
import type { Check } from '../../src/domain/pipeline/schema.js';
import { Renderer } from '../templates.js';
import type { Target } from '../../src/domain/target.js';
import type { CheckProvider, CheckValue, EvaluateOptions, TimeRange } from '../../src/domain/soak/provider.js';
import { checkClient, type CheckClientOptions } from './client.js';
import { send, type HttpClient } from '../http/client.js';

type Sample = [number, string];
interface QueryResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

export class PrometheusProvider implements CheckProvider {
  private readonly env: NodeJS.ProcessEnv;
  private readonly client: HttpClient;

  constructor(opts: CheckClientOptions = {}) {
    this.env = opts.env ?? process.env;
    this.client = checkClient(opts);
  }

  async evaluate(check: Check, target: Target, opts: EvaluateOptions = {}): Promise<CheckValue> {
    const data = await this.get(check, target, 'query', {}, opts);
    return worst(check, valuesOf(data));
  }

  /** The check's values over a past window, one per step (the worst series at each step). */
  async evaluateRange(check: Check, target: Target, range: TimeRange, opts: EvaluateOptions = {}): Promise<number[]> {
    // The step is the gate's interval (fractions of a second allowed), so the history has as
    // many values as the soak will have samples.
    const step = Math.max(0.1, range.stepMs / 1000);
    const params = { start: String(range.start / 1000), end: String(range.end / 1000), step: String(step) };
    const data = await this.get(check, target, 'query_range', params, opts);
    if (data?.resultType !== 'matrix') throw new Error(`the range query returned a ${data?.resultType ?? 'missing'} result, not a matrix`);
    const byTime = new Map<number, number[]>();
    for (const series of (data.result as { values?: Sample[] }[] | undefined) ?? []) {
      for (const [t, v] of series.values ?? []) {
        const n = Number(v);
        if (!Number.isFinite(n)) continue;
        byTime.set(t, [...(byTime.get(t) ?? []), n]);
      }
    }
    return [...byTime.keys()].sort((a, b) => a - b).map((t) => worst(check, byTime.get(t)!)!);
  }

  private async get(check: Check, target: Target, api: 'query' | 'query_range', params: Record<string, string>, opts: EvaluateOptions): Promise<QueryResponse['data']> {
    if (!check.prometheus) throw new Error(`check ${check.name} has no prometheus query`);
    const r = new Renderer(target, this.env);
    try {
      const base = r.render(check.prometheus.url).replace(/\/+$/, '');
      const url = `${base}/api/v1/${api}?${new URLSearchParams({ query: r.render(check.prometheus.query), ...params })}`;
      const res = await send(this.client, { url, headers: prometheusHeaders(check.prometheus, r), ...opts });
      const text = res.text;
      let body: QueryResponse | undefined;
      try {
        body = JSON.parse(text) as QueryResponse;
      } catch {
        body = undefined;
      }
      if (res.status === 401 || res.status === 403) {
        // Refused credentials are no data (the watch counts an error as no sample), never a
        // pass; the status is what an operator needs, the body (a Go error page) adds nothing.
        throw new Error(`Prometheus at ${base} answered ${res.status} ${res.statusText || (res.status === 401 ? 'Unauthorized' : 'Forbidden')}: check headers or basicAuth and the worker's environment`);
      }
      if (!res.ok || body?.status !== 'success') {
        // Prometheus explains a bad query in the body ({status:"error", errorType, error}).
        // Redact before cutting: a cut secret would no longer be recognised.
        const why = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : r.redact(text).trim().slice(0, 300);
        throw new Error(`Prometheus at ${base} answered HTTP ${res.status}${why ? ` (${why})` : ''}`);
      }
      return body.data;
    } catch (err) {
      throw r.redactError(err);
    }
  }
}

/**
 * The request headers of a Prometheus check: its `headers`, and for `basicAuth` an
 * Authorization header `Basic base64(user:password)`. Rendered through `r`, so every ${VAR}
 * is read here, in the activity, and remembered for redaction.
 */
export function prometheusHeaders(source: NonNullable<Check['prometheus']>, r: Renderer): Record<string, string> {
  const headers = r.record(source.headers);
  if (source.basicAuth) {
    const credentials = `${r.render(source.basicAuth.username)}:${r.render(source.basicAuth.password)}`;
    headers.Authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return headers;
}

/** The finite values of an instant query result; NaN (0/0 with no traffic) and Inf are no data. */
function valuesOf(data: QueryResponse['data']): number[] {
  const samples: Sample[] = [];
  switch (data?.resultType) {
    case 'vector':
      for (const series of (data.result as { value?: Sample }[] | undefined) ?? []) if (series.value) samples.push(series.value);
      break;
    case 'scalar':
      if (Array.isArray(data.result)) samples.push(data.result as Sample);
      break;
    default:
      throw new Error(
        `the query returned a ${data?.resultType ?? 'missing'} result; a check needs an instant vector or scalar (no [5m] range at the top level)`,
      );
  }
  return samples.map(([, v]) => Number(v)).filter(Number.isFinite);
}

/**
 * Several series (one per pod, per code ...): judge the worst one. Worst is the highest, unless
 * the check only sets a floor (min), where the lowest is the worst.
 */
function worst(check: Check, values: number[]): number | null {
  if (values.length === 0) return null;
  return check.min !== undefined && check.max === undefined ? Math.min(...values) : Math.max(...values);
}
