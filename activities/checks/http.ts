// HTTP checks: GET a JSON endpoint (health, stats) and read one value from it.
import type { Check } from '../../src/domain/pipeline/schema.js';
import { readJsonPath } from '../json-path.js';
import { Renderer } from '../templates.js';
import type { Target } from '../../src/domain/target.js';
import type { CheckProvider, CheckValue, EvaluateOptions } from '../../src/domain/soak/provider.js';
import { checkClient, type CheckClientOptions } from './client.js';
import { send, type HttpClient } from '../http/client.js';

export class HttpCheckProvider implements CheckProvider {
  private readonly env: NodeJS.ProcessEnv;
  private readonly client: HttpClient;

  constructor(opts: CheckClientOptions = {}) {
    this.env = opts.env ?? process.env;
    this.client = checkClient(opts);
  }

  async evaluate(check: Check, target: Target, opts: EvaluateOptions = {}): Promise<CheckValue> {
    if (!check.http) throw new Error(`check ${check.name} has no http source`);
    const r = new Renderer(target, this.env);
    try {
      const url = r.render(check.http.url);
      const res = await send(this.client, {
        url,
        headers: { accept: 'application/json', ...r.record(check.http.headers) },
        ...opts,
      });
      const text = res.text;
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
