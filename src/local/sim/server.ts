// The region simulator's HTTP face (docs/simulator.md), on plain node:http so the demo and the tests
// run it in-process with nothing to install. Every bad input gets a JSON error; no request
// can take the process down.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimState, type FaultInput, type SimSnapshot } from './state.js';
import { loadSnapshot, lockStateDir, saveSnapshot } from './store.js';
import { renderMetrics } from './traffic.js';
import type { KubeConnection } from '../kubernetes/api.js';
import { watchClusters } from './kubernetes.js';

export interface SimulatorOptions {
  /** 0 picks any free port. */
  port?: number;
  host?: string;
  /** How long a rollout stays `rolling`; fractions allowed. Default 2. */
  deploySeconds?: number;
  /** Customers per region name; regions not listed get 1000. */
  customers?: Record<string, number>;
  /** When set, deploy POSTs need `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Keep region versions, rollouts, faults and the deployment log in DIR/state.json, loaded
   * at start and saved after every change (src/local/sim/store.ts). In memory when omitted.
   */
  stateDir?: string;
  /** Seeded per-second noise of latency, error rate and traffic, e.g. 0.1 (default 0: none). */
  noise?: number;
  /** The noise's seed (default 1): the same seed and clock give the same numbers. */
  seed?: number;
  /**
   * Kubernetes mode: region -> its cluster's API. Each region serves the version its cluster
   * really runs (sim/kubernetes.ts), whatever deploy calls this simulator receives.
   */
  kubernetes?: Record<string, KubeConnection>;
}

export interface Simulator {
  url: string;
  port: number;
  /** Kubernetes mode: read every region's cluster now. */
  pollClusters?: () => Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const deploySeconds = opts.deploySeconds ?? 2;
  if (!Number.isFinite(deploySeconds) || deploySeconds < 0) throw new Error(`deploySeconds must be a number >= 0, got ${deploySeconds}`);
  const dir = opts.stateDir;
  let release = () => {};
  let snapshot: SimSnapshot | undefined;
  if (dir !== undefined) {
    release = lockStateDir(dir);
    try {
      snapshot = loadSnapshot(dir);
    } catch (err) {
      release();
      throw err;
    }
  }
  const save = dir === undefined ? undefined : () => saveSnapshot(dir, state.snapshot());
  const noise = opts.noise ?? 0;
  if (!Number.isFinite(noise) || noise < 0 || noise > 1) throw new Error(`noise must be a number from 0 to 1, got ${opts.noise}`);
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  const state = new SimState({ deploySeconds, customers: opts.customers ?? {}, onChange: save, ...(noise > 0 ? { noise: { level: noise, seed } } : {}) }, snapshot);
  const server = createServer((req, res) => {
    handle(state, opts.token, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy();
      else send(res, status, { error: message });
    });
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    release();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`cannot start the simulator: port ${opts.port} on ${host} is already in use`, { cause: err });
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const clusters = opts.kubernetes ? watchClusters(state, opts.kubernetes) : undefined;
  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    pollClusters: clusters?.poll,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        clusters?.stop();
        server.close((err) => {
          // Last save counts traffic up to the stop; every change before it was saved already.
          try {
            save?.();
          } catch (saveErr) {
            err ??= saveErr as Error;
          }
          release();
          return err ? reject(err) : resolve();
        });
        // Keep-alive sockets from clients would otherwise hold close() open.
        server.closeAllConnections();
      })),
  };
}

async function handle(state: SimState, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new HttpError(400, `bad percent-encoding in path segment ${JSON.stringify(p)}`);
      }
    });
  const method = req.method ?? 'GET';
  const route = (allowed: string[]) => {
    if (!allowed.includes(method)) {
      res.setHeader('Allow', allowed.join(', '));
      throw new HttpError(405, `${method} not allowed on ${url.pathname} (allowed: ${allowed.join(', ')})`);
    }
  };

  // /services/{service}/regions/{region}[/deployments]
  if (parts[0] === 'services' && parts[2] === 'regions' && parts.length >= 4 && parts.length <= 5) {
    const [, service, , region] = parts;
    if (parts.length === 5 && parts[4] === 'deployments') {
      route(['POST']);
      return deploy(state, token, service, region, req, res);
    }
    if (parts.length === 4) {
      route(['GET']);
      const view = state.region(service, region);
      if (!view) return send(res, 404, { error: `no deploy received yet for service ${service} in region ${region}` });
      return send(res, 200, view);
    }
  }
  const path = parts.join('/');
  switch (path) {
    case 'healthz':
      route(['GET']);
      return send(res, 200, { ok: true });
    case 'metrics':
      route(['GET']);
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(renderMetrics(state.series()));
      return;
    case 'deployments': {
      route(['GET']);
      const deployments = state.deployments();
      const withDuplicates = ['1', 'true'].includes(url.searchParams.get('duplicates') ?? '');
      return send(res, 200, withDuplicates ? { deployments, duplicates: state.duplicates } : deployments);
    }
    case 'faults':
      route(['GET', 'POST', 'DELETE']);
      if (method === 'GET') return send(res, 200, state.listFaults());
      if (method === 'DELETE') return send(res, 200, { cleared: state.clearFaults() });
      return send(res, 201, state.addFault(parseFault(await readJson(req))));
  }
  if (parts[0] === 'faults' && parts.length === 2) {
    route(['DELETE']);
    if (!state.removeFault(parts[1])) return send(res, 404, { error: `no fault with id ${parts[1]}` });
    return send(res, 200, { cleared: 1 });
  }
  throw new HttpError(404, `no route for ${method} ${url.pathname}`);
}

async function deploy(state: SimState, token: string | undefined, service: string, region: string, req: IncomingMessage, res: ServerResponse) {
  if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
    req.resume();
    const why = req.headers.authorization === undefined ? 'missing Authorization header' : 'wrong bearer token';
    return send(res, 401, { error: `${why}: deploys need Authorization: Bearer <token>` });
  }
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'body must be a JSON object {version, deployId}');
  const { version, deployId } = body;
  if (typeof version !== 'string' || version === '') throw new HttpError(400, 'version is required (a non-empty string)');
  if (typeof deployId !== 'string' || deployId === '') throw new HttpError(400, 'deployId is required (a non-empty string)');
  const header = req.headers['idempotency-key'];
  const idempotencyKey = Array.isArray(header) ? header[0] : header;
  const result = state.deploy({ service, region, version, deployId, idempotencyKey });
  if ('conflict' in result) return send(res, 422, { error: result.conflict });
  if ('rejected' in result) return send(res, 500, { error: result.rejected });
  return send(res, 202, { accepted: true, duplicate: result.duplicate });
}

const FAULT_KEYS = new Set(['service', 'region', 'version', 'errorRate', 'latencyMs', 'deploy']);

function parseFault(body: unknown): FaultInput {
  if (!isObject(body)) throw new HttpError(400, 'body must be a JSON object {service?, region?, version?, errorRate?, latencyMs?, deploy?}');
  const unknown = Object.keys(body).filter((k) => !FAULT_KEYS.has(k));
  if (unknown.length > 0) throw new HttpError(400, `unknown fault field(s): ${unknown.join(', ')} (known: ${[...FAULT_KEYS].join(', ')})`);
  const fault: FaultInput = {};
  for (const k of ['service', 'region', 'version'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new HttpError(400, `${k} must be a non-empty string`);
    fault[k] = v;
  }
  const { errorRate, latencyMs, deploy } = body;
  if (errorRate !== undefined) {
    if (typeof errorRate !== 'number' || !(errorRate >= 0 && errorRate <= 1)) throw new HttpError(400, 'errorRate must be a number from 0 to 1');
    fault.errorRate = errorRate;
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= 3_600_000)) throw new HttpError(400, 'latencyMs must be a number of milliseconds >= 0');
    fault.latencyMs = latencyMs;
  }
  if (deploy !== undefined) {
    if (deploy !== 'fail' && deploy !== 'hang' && deploy !== 'reject') throw new HttpError(400, 'deploy must be "fail", "hang" or "reject"');
    fault.deploy = deploy;
  }
  if (fault.errorRate === undefined && fault.latencyMs === undefined && fault.deploy === undefined) {
    throw new HttpError(400, 'a fault needs at least one of errorRate, latencyMs, deploy');
  }
  return fault;
}

// Reads by events rather than `for await`: leaving an async iterator early destroys the
// socket, and an oversized body still deserves its 413 answer.
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return reject(new HttpError(413, `body over ${MAX_BODY} bytes`));
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(new HttpError(400, 'body is empty; expected JSON'));
      try {
        resolve(JSON.parse(text) as unknown);
      } catch (err) {
        reject(new HttpError(400, `body is not valid JSON: ${(err as Error).message}`));
      }
    });
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
