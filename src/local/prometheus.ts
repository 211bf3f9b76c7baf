// A real Prometheus (Debian's package) scraping the region simulators, for SLO checks in
// `firebreak dev` and the integration tests, and the workers' own metrics endpoints. Scrapes every second by default so a soak of a
// few seconds already has samples to judge.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isPortOpen } from './ports.js';
import { stoppable } from './child.js';
import { findPrometheus } from './tools.js';

export interface PrometheusOptions {
  /** host:port of each target exposing /metrics (the simulators). */
  targets: string[];
  /** Listen port on 127.0.0.1; a free one when omitted or 0 (`firebreak dev` passes 9090). */
  port?: number;
  /** Directory for the config and TSDB; a temporary one (removed on stop) when omitted. */
  dir?: string;
  /** Prometheus duration, default '1s'. */
  scrapeInterval?: string;
  /** Job label of the targets; default 'firebreak-sim'. */
  job?: string;
  /** host:port of each worker serving /metrics (`firebreak worker --metrics`): job WORKERS_JOB. */
  workers?: string[];
  readyTimeoutMs?: number;
  /**
   * Contents of a web config file (--web.config.file), e.g. `basic_auth_users` to require
   * credentials on every endpoint, as a Prometheus behind authentication does.
   */
  webConfig?: string;
  /** Headers of the readiness probe: the credentials, when webConfig requires them. */
  probeHeaders?: Record<string, string>;
  /** Binary; default findPrometheus(). */
  executable?: string;
}

export interface PrometheusServer {
  /** Base URL, e.g. http://127.0.0.1:9090 (what PROMETHEUS_URL is set to). */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The job of the workers' metrics endpoints; the shipped alerting rules name it. */
export const WORKERS_JOB = 'firebreak-workers';

/** The scrape config; scrape_timeout must not exceed the interval, so it is set equal to it. */
export function prometheusConfig(targets: string[], scrapeInterval = '1s', job = 'firebreak-sim', workers: string[] = []): string {
  const workerJob = workers.length
    ? [`  - job_name: ${JSON.stringify(WORKERS_JOB)}`, '    static_configs:', `      - targets: ${JSON.stringify(workers)}`]
    : [];
  return [
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  scrape_timeout: ${scrapeInterval}`,
    `  evaluation_interval: ${scrapeInterval}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(job)}`,
    '    static_configs:',
    `      - targets: ${JSON.stringify(targets)}`,
    ...workerJob,
    '',
  ].join('\n');
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const exe = opts.executable ?? findPrometheus();
  if (!exe) {
    throw new Error(
      'Prometheus is not installed: run `npm run setup` (or `apt-get install -y prometheus`), or put `prometheus` on PATH',
    );
  }
  const host = '127.0.0.1';
  const port = opts.port || (await freePort());
  if (await isPortOpen(port, host)) {
    throw new Error(`cannot start Prometheus: port ${port} on ${host} is already in use`);
  }
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'firebreak-prom-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(opts.targets, opts.scrapeInterval, opts.job, opts.workers));

  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${host}:${port}`,
    // Lets `firebreak dev` reload the config (POST /-/reload) when simulators change.
    '--web.enable-lifecycle',
    '--log.level=warn',
  ];
  if (opts.webConfig !== undefined) {
    const webConfigFile = join(dir, 'web.yml');
    writeFileSync(webConfigFile, opts.webConfig);
    args.push(`--web.config.file=${webConfigFile}`);
  }
  const tail: string[] = [];
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
    if (tail.length > 30) tail.splice(0, tail.length - 30);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let failed: string | undefined;
  child.once('error', (err) => (failed = err.message));
  child.once('exit', (code, signal) => (failed ??= `exited (code ${code}, signal ${signal})`));
  const proc = stoppable(child);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await proc.stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    })());

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (failed) break;
    try {
      const res = await fetch(`${url}/-/ready`, { headers: opts.probeHeaders, signal: AbortSignal.timeout(1_000) });
      if (res.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      failed = `not ready within ${opts.readyTimeoutMs ?? 30_000} ms`;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const log = tail.length ? `\n--- prometheus output ---\n${tail.join('\n')}` : '';
  throw new Error(`Prometheus (${exe}) did not start on ${url}: ${failed}${log}`);
}

/** One instant query; returns the result vector (empty when there is no sample yet). */
export async function instantQuery(
  url: string,
  expr: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result?: unknown } };
  if (body.status !== 'success') throw new Error(`Prometheus query ${expr} failed: ${body.error ?? res.status}`);
  return (body.data?.result ?? []) as Array<{ metric: Record<string, string>; value: [number, string] }>;
}

/**
 * Waits until every target of `job` has been scraped at least once. Prometheus applies new
 * targets on a fixed 5 s tick after start, so the first samples arrive ~5 s after /-/ready;
 * a test that needs data from the first second of a soak waits here first.
 */
export async function waitForFirstScrape(
  url: string,
  opts: { job?: string; targets?: number; timeoutMs?: number } = {},
): Promise<void> {
  const job = opts.job ?? 'firebreak-sim';
  const want = opts.targets ?? 1;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const up = await instantQuery(url, `up{job=${JSON.stringify(job)}} == 1`);
    if (up.length >= want) return;
    if (Date.now() > deadline) {
      throw new Error(`Prometheus at ${url} scraped ${up.length} of ${want} ${job} target(s) within the wait`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
