// Pipelines for the tests, written as a user would write them (YAML through the real loader),
// against the simulator's HTTP API. Soaks are seconds long: real timers, short durations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipeline } from '../domain/pipeline/load.js';
import { plan, type Plan } from '../domain/pipeline/plan.js';

export interface TestPipeline {
  service: string;
  /** [name, customers, soak override?] */
  regions: [name: string, customers: number, soak?: string][];
  soak?: string;
  interval?: string;
  minSamples?: number;
  failAfter?: number;
  approval?: 'auto' | 'manual';
  onNoData?: 'pause' | 'fail';
  /** gate.maxExtension: how long a soak short of samples may extend (default half the soak). */
  maxExtension?: string;
  /**
   * sim: error rate read from the simulator (http check); nodata: a Prometheus series that never
   * exists; missing: a field the simulator never reports (no data, without Prometheus).
   */
  checks?: 'sim' | 'prometheus' | 'prometheus-basic-auth' | 'nodata' | 'missing' | 'none' | 'compare-latency' | 'compare-latency-shadow' | 'compare-errors';
  /** Raw YAML of gate.checks (list items indented by four), instead of a `checks` preset. */
  checksYaml?: string;
  headers?: Record<string, string>;
  rollback?: { onFailure?: 'region' | 'all'; onAbort?: 'none' | 'all' };
  pauseTimeout?: string;
  waves?: string[][];
  /** Raw YAML appended at the top level (windows, notify, migrations...). */
  extra?: string;
  /** Raw YAML of the deploy block's fields (indented by two), instead of the simulator's http adapter. */
  deployYaml?: string;
}

const CHECKS = {
  sim: `
    - name: error-rate
      http: { url: "\${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}", path: "$.errorRate" }
      max: 0.05`,
  prometheus: `
    - name: error-rate
      prometheus:
        url: \${PROMETHEUS_URL}
        query: sum(rate(http_requests_total{service="{{service}}",region="{{region}}",code=~"5.."}[5s])) / sum(rate(http_requests_total{service="{{service}}",region="{{region}}"}[5s]))
      max: 0.05`,
  // The error rate through a Prometheus behind basic auth; the credentials come from the worker.
  'prometheus-basic-auth': `
    - name: error-rate
      prometheus:
        url: \${PROMETHEUS_URL}
        query: (sum(rate(http_requests_total{service="{{service}}",region="{{region}}",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{service="{{service}}",region="{{region}}"}[5s]))
        basicAuth: { username: "\${PROM_USER}", password: "\${PROM_PASSWORD}" }
      max: 0.05`,
  nodata: `
    - name: latency-p99
      prometheus:
        url: \${PROMETHEUS_URL}
        query: histogram_quantile(0.99, sum by (le) (rate(no_such_metric_seconds_bucket{region="{{region}}"}[5s])))
      max: 0.4`,
  missing: `
    - name: saturation
      http: { url: "\${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}", path: "$.saturation" }
      max: 0.9`,
  none: '',
  // Peer judgement: latency under a 2 s SLO, judged against the control too.
  'compare-latency': `
    - name: latency-mean
      prometheus:
        url: \${PROMETHEUS_URL}
        query: sum(rate(http_request_duration_seconds_sum{service="{{service}}",region="{{region}}"}[3s])) / sum(rate(http_request_duration_seconds_count{service="{{service}}",region="{{region}}"}[3s]))
      max: 2.0
      compare: { against: peers, maxIncrease: 25%, confidence: 0.98 }`,
  'compare-latency-shadow': `
    - name: latency-mean
      prometheus:
        url: \${PROMETHEUS_URL}
        query: sum(rate(http_request_duration_seconds_sum{service="{{service}}",region="{{region}}"}[3s])) / sum(rate(http_request_duration_seconds_count{service="{{service}}",region="{{region}}"}[3s]))
      max: 2.0
      compare: { against: peers, maxIncrease: 25%, enforce: false }`,
  'compare-errors': `
    - name: error-rate
      prometheus:
        url: \${PROMETHEUS_URL}
        query: sum(rate(http_requests_total{service="{{service}}",region="{{region}}",code=~"5.."}[3s])) / sum(rate(http_requests_total{service="{{service}}",region="{{region}}"}[3s]))
      max: 0.05
      compare: { against: peers, maxIncrease: 100%, confidence: 0.98 }`,
};

export function pipelineYaml(t: TestPipeline): string {
  const headers = t.headers ? `\n    headers: ${JSON.stringify(t.headers)}` : '';
  const checks = t.checksYaml ?? CHECKS[t.checks ?? 'sim'];
  return `apiVersion: firebreak/v1
service: ${t.service}
owner: test-team
runbook: https://wiki.example.com/${t.service}/deploys
regions:
${t.regions.map(([name, customers, soak]) => `  - { name: ${name}, customers: ${customers}${soak ? `, soak: ${soak}` : ''} }`).join('\n')}
${t.waves ? `waves: ${JSON.stringify(t.waves)}\n` : ''}soak: ${t.soak ?? '3s'}
gate:
  name: "errors below 5% through the soak"
  approval: ${t.approval ?? 'auto'}
  interval: ${t.interval ?? '500ms'}
  failAfter: ${t.failAfter ?? 2}
  minSamples: ${t.minSamples ?? 3}
  onNoData: ${t.onNoData ?? 'pause'}${t.maxExtension ? `\n  maxExtension: ${t.maxExtension}` : ''}
  checks:${checks || ' []'}
deploy:
${
  t.deployYaml ??
  `  http:
    url: \${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}/deployments${headers}
    status: { url: "\${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}", state: "$.state", done: ready, failed: error, version: "$.version" }
  timeout: 1m`
}
rollback: { onFailure: ${t.rollback?.onFailure ?? 'region'}, onAbort: ${t.rollback?.onAbort ?? 'none'} }
pauseTimeout: ${t.pauseTimeout ?? '72h'}
${t.extra ?? ''}`;
}

export function testPlan(t: TestPipeline, version: string): Plan {
  return plan(parsePipeline(pipelineYaml(t), `${t.service}.yaml`).pipeline, version);
}

/** Writes the pipeline as `<service>.yaml` in dir (for the CLI, which reads files). */
export function writePipelineFile(dir: string, t: TestPipeline): string {
  const file = join(dir, `${t.service}.yaml`);
  writeFileSync(file, pipelineYaml(t));
  return file;
}
