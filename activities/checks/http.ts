// HTTP checks: GET a JSON endpoint (health, stats) and read one value from it.
import type { Check } from '../../src/pipeline/schema.js';
import { readJsonPath } from '../json-path.js';
import { Renderer } from '../templates.js';
import type { Target } from '../types.js';
import type { CheckProvider, CheckValue } from './provider.js';
import { timeLimit } from '../abort.js';

export interface HttpCheckOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class HttpCheckProvider implements CheckProvider {
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: HttpCheckOptions = {}) {
    this.env = opts.env ?? process.env;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async evaluate(check: Check, target: Target, signal?: AbortSignal): Promise<CheckValue> {
    if (!check.http) throw new Error(`check ${check.name} has no http source`);
    const r = new Renderer(target, this.env);
    try {
      const url = r.render(check.http.url);
      const res = await this.fetchFn(url, {
        headers: { accept: 'application/json', ...r.record(check.http.headers) },
        signal: timeLimit(this.timeoutMs, signal),
      });
      const text = await res.text();
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new Error(`GET ${url} answered HTTP ${res.status} with a body that is not JSON: ${r.redact(text).trim().slice(0, 200)}`);
      }
      const value = readJsonPath(doc, check.http.path);
      // A health endpoint often answers 503 {"ok": false}: that is a real (bad) value, so the
      // body is read whatever the status. A non-2xx without the value is an error, not data.
      if (value === undefined && !res.ok) throw new Error(`GET ${url} answered HTTP ${res.status}`);
      if (value === undefined || value === null) return null;
      if (typeof value === 'object') {
        throw new Error(`${check.http.path} in GET ${url} is an ${Array.isArray(value) ? 'array' : 'object'}, not a value`);
      }
      return value as CheckValue;
    } catch (err) {
      throw r.redactError(err);
    }
  }
}
