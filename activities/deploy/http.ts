// The http adapter: asks a deployer service to roll a region out, then polls its status until
// the region runs the version (or the deployer says it failed).
//
// Exactly-once: every request carries `Idempotency-Key: <workflowId>/<runId>/<region>/<version>/<step>`.
// A retried activity (worker crash, lost response) re-POSTs with the same key and the deployer
// answers with the deploy it already has instead of starting another.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { cancelled } from '../../src/domain/cancelled.js';
import { formatDuration } from '../../src/domain/pipeline/duration.js';
import { deployTimeoutMs } from '../../src/domain/pipeline/deploy-timeout.js';
import { FailureType } from '../../src/domain/failures.js';
import type { Deploy } from '../../src/domain/pipeline/schema.js';
import { parseJsonPath, readJsonPath } from '../json-path.js';
import { Renderer } from '../templates.js';
import type { Target } from '../../src/domain/target.js';
import type { Heartbeat, RegionAdapter } from './region-adapter.js';
import { DEPLOY_REQUEST_TIMEOUT_MS } from '../../src/domain/limits.js';
import { createHttpClient, jsonOf, send, type HttpAnswer, type HttpClient } from '../http/client.js';
import { isRetryableStatus } from '../http/failures.js';

/** The deploy concern's client, shared by every adapter the worker builds. */
const deployClient = createHttpClient('deploy', DEPLOY_REQUEST_TIMEOUT_MS);
const BODY_TAIL_CHARS = 1024;

export interface HttpAdapterOptions {
  /** How often the status is polled while a deploy rolls out. */
  pollMs?: number;
  /** How long one request may take; at most DEPLOY_REQUEST_TIMEOUT_MS (under the heartbeat timeout). */
  requestTimeoutMs?: number;
}

type HttpDeploy = NonNullable<Deploy['http']>;

export class HttpAdapter implements RegionAdapter {
  private readonly http: HttpDeploy;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly client: HttpClient;

  constructor(
    deploy: Deploy,
    private readonly env: NodeJS.ProcessEnv = process.env,
    opts: HttpAdapterOptions = {},
  ) {
    if (!deploy.http) throw new Error('the http adapter needs deploy.http');
    this.http = deploy.http;
    this.timeoutMs = deployTimeoutMs(deploy);
    this.pollMs = opts.pollMs ?? 500;
    this.client =
      opts.requestTimeoutMs === undefined
        ? deployClient
        : createHttpClient('deploy', Math.min(opts.requestTimeoutMs, DEPLOY_REQUEST_TIMEOUT_MS));
  }

  /** GET status.url: 404 means the region runs nothing yet; else the value at status.version. */
  async current(target: Target, signal?: AbortSignal): Promise<string | null> {
    const r = new Renderer(target, this.env);
    try {
      const res = await this.getStatus(r, signal);
      if (res.status === 404) return null;
      if (!res.ok) {
        throw ApplicationFailure.retryable(
          `GET ${r.render(this.http.status.url)} answered HTTP ${res.status}${bodyTail(res, r)}`,
          'CurrentVersionFailed',
        );
      }
      if (!this.http.status.version) return null;
      const version = readJsonPath(jsonOf(res), this.http.status.version);
      return version === undefined || version === null || version === '' ? null : String(version);
    } catch (err) {
      throw r.redactError(err);
    }
  }

  async deploy(target: Target, key: string, signal: AbortSignal, heartbeat: Heartbeat): Promise<void> {
    const r = new Renderer(target, this.env);
    try {
      this.checkPaths();
      heartbeat();
      await this.request(r, target, key, signal);
      await this.waitUntilDone(r, target, signal, heartbeat);
    } catch (err) {
      if (signal.aborted) throw cancelled(signal, 'deploy');
      throw r.redactError(err);
    }
  }

  private async request(r: Renderer, target: Target, key: string, signal: AbortSignal): Promise<void> {
    const url = r.render(this.http.url);
    const body = this.http.body
      ? r.deep(this.http.body)
      : { service: target.service, version: target.version, region: target.region, deployId: target.deployId };
    const res = await send(this.client, {
      url,
      method: this.http.method,
      headers: { 'content-type': 'application/json', ...r.record(this.http.headers), 'Idempotency-Key': key },
      body: JSON.stringify(body),
      signal,
    });
    if (res.ok) return;
    const message = `${this.http.method} ${url} answered HTTP ${res.status}${bodyTail(res, r)}`;
    // The Idempotency-Key makes a retry safe.
    if (isRetryableStatus(res.status)) {
      throw ApplicationFailure.retryable(message, FailureType.DeployRequestFailed);
    }
    throw ApplicationFailure.nonRetryable(message, FailureType.DeployFailed);
  }

  /** Poll status until state == done and (when configured) the version is ours. */
  private async waitUntilDone(r: Renderer, target: Target, signal: AbortSignal, heartbeat: Heartbeat): Promise<void> {
    const { status } = this.http;
    const deadline = Date.now() + this.timeoutMs;
    let last = 'no status read yet';
    for (;;) {
      try {
        const res = await this.getStatus(r, signal);
        if (res.ok) {
          const doc = jsonOf(res);
          const state = readJsonPath(doc, status.state);
          const version = status.version ? readJsonPath(doc, status.version) : undefined;
          last = `state ${JSON.stringify(state ?? null)}${status.version ? `, version ${JSON.stringify(version ?? null)}` : ''}`;
          if (String(state) === status.done && (!status.version || String(version) === target.version)) return;
          if (String(state) === status.failed) {
            throw ApplicationFailure.nonRetryable(
              `deploy of ${target.version} to ${target.region} failed: the deployer reports ${last}`,
              FailureType.DeployFailed,
            );
          }
        } else if (res.status === 404 || isRetryableStatus(res.status)) {
          // Not there yet, or the deployer is struggling: keep polling until the timeout.
          last = `HTTP ${res.status}${bodyTail(res, r)}`;
        } else {
          throw ApplicationFailure.nonRetryable(
            `cannot read the deploy status of ${target.region}: GET ${r.render(status.url)} answered HTTP ${res.status}${bodyTail(res, r)}`,
            FailureType.DeployFailed,
          );
        }
      } catch (err) {
        if (err instanceof ApplicationFailure || signal.aborted) throw err;
        last = `error reading status: ${err instanceof Error ? err.message : String(err)}`;
      }
      // Heartbeat details reach the server (and history, on a timeout): redacted like errors.
      heartbeat({ status: r.redact(last) });
      if (Date.now() >= deadline) {
        throw ApplicationFailure.nonRetryable(
          `deploy of ${target.version} to ${target.region} did not finish within ${formatDuration(this.timeoutMs)}; last ${last}`,
          FailureType.DeployFailed,
        );
      }
      await sleep(this.pollMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw cancelled(signal, 'deploy');
    }
  }

  /** A status path we cannot read is a pipeline mistake: refuse before deploying anything. */
  private checkPaths(): void {
    for (const path of [this.http.status.state, this.http.status.version]) {
      if (path === undefined) continue;
      try {
        parseJsonPath(path);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`deploy.http.status: ${(err as Error).message}`, FailureType.InvalidPipeline);
      }
    }
  }

  private getStatus(r: Renderer, signal?: AbortSignal): Promise<HttpAnswer> {
    const { status } = this.http;
    // Status usually lives on the same deployer with the same credentials.
    const headers = r.record(status.headers ?? this.http.headers);
    return send(this.client, { url: r.render(status.url), headers, signal });
  }
}

/** The end of a response body for an error message; redacted before it is cut (see command.ts). */
function bodyTail(res: HttpAnswer, r: Renderer): string {
  const text = r.redact(res.text).trim();
  if (!text) return '';
  return `: ${text.length > BODY_TAIL_CHARS ? `...${text.slice(-BODY_TAIL_CHARS)}` : text}`;
}
