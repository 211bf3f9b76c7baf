// The pipeline file (docs/pipeline.md). This zod schema is the single source: TS types are inferred
// from it and the editor JSON Schema (schema/pipeline.schema.json) is generated from it.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { got, suggest } from './suggest.js';
import { DEFAULT_DEPLOY_TIMEOUT } from './deploy-timeout.js';
import { compareSchema, directionProblem, worseSchema } from './compare.js';
import { CHECK_REQUEST_TIMEOUT_MS } from '../limits.js';
import { versionCount } from '../kubernetes/image-template.js';

const NAME = /^[a-z0-9-]{1,63}$/;
const TEMPLATE_VARS = ['region', 'version', 'service', 'deployId'] as const;

/**
 * The policy lint rules (src/domain/pipeline/lint.ts), listed here so that `lint.allow` is checked by the schema
 * (an unknown rule is a load error with a did-you-mean) and editors can complete rule ids.
 * src/domain/pipeline/lint.ts implements exactly these.
 */
export const LINT_RULES = [
  'smallest-first',
  'largest-last',
  'no-all-at-once',
  'explicit-gate',
  'soak-duration',
  'named-owner',
  'runbook',
  'no-demand',
  'oversized-wave',
  'rollback-target',
  'one-way-migration',
  'compare-control',
  'hotfix-floor',
] as const;
export type LintRule = (typeof LINT_RULES)[number];

/**
 * Cross-field refinements run even when a field already failed (zod skips them by default),
 * so a file with a bad duration still gets its wave problems reported in the same run. Their
 * input may therefore be partly invalid: each one guards the shapes it reads.
 */
const ALWAYS = { when: () => true };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A check's message that also quotes what the file wrote: `a time like 09:00; got "9am"`. */
const saying = (message: string) => ({ error: (issue: { input?: unknown }) => message + got(issue.input) });

const DURATION_HELP = 'not a duration: write it like 90s, 45m or 1h30m';
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
export const duration = z
  .string({
    // A bare number is the usual slip: say which unit it lacks. Missing stays "required".
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : (isCount(issue.input) ? `not a duration: a number needs a unit, like ${issue.input}s or ${issue.input}m` : DURATION_HELP) + got(issue.input),
  })
  .refine((s) => parseDuration(s) !== undefined, saying(DURATION_HELP))
  .describe('A duration such as 90s, 45m or 1h30m');

/** A string that may hold {{region}}-style templates; unknown template names are refused. */
export const templated = z.string().superRefine((s, ctx) => {
  for (const [, name] of s.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(TEMPLATE_VARS as readonly string[]).includes(name)) {
      const hint = suggest(name, TEMPLATE_VARS);
      ctx.addIssue({
        code: 'custom',
        message: hint
          ? `unknown template {{${name}}}; did you mean {{${hint}}}?`
          : `unknown template {{${name}}}: use one of ${TEMPLATE_VARS.map((v) => `{{${v}}}`).join(', ')}`,
      });
    }
  }
});

const prometheusCheck = z
  .strictObject({
    url: templated.describe('Prometheus base URL, without /api/v1 (often ${PROMETHEUS_URL})'),
    query: templated.describe('PromQL instant query; with several series, the worst value counts'),
    headers: z
      .record(z.string(), templated)
      .optional()
      .describe('Request headers, such as Authorization: "Bearer ${PROM_TOKEN}"; values may hold templates and ${VAR}, resolved on the worker'),
    basicAuth: z
      .strictObject({
        username: templated.describe('User name; may hold ${VAR}'),
        password: templated.describe('Password, usually ${VAR} so it never enters workflow history'),
      })
      .optional()
      .describe('HTTP basic authentication, sent as an Authorization header; not together with an Authorization header'),
  })
  .superRefine((p: unknown, ctx) => {
    // Two sources for one header: whichever won would be a surprise to the other's author.
    if (!isRecord(p) || p.basicAuth === undefined || !isRecord(p.headers)) return;
    if (Object.keys(p.headers).some((h) => h.toLowerCase() === 'authorization')) {
      ctx.addIssue({
        code: 'custom',
        path: ['basicAuth'],
        message: 'basicAuth and an Authorization header both set the Authorization header: keep one',
      });
    }
  }, ALWAYS)
  .describe('Read the value from Prometheus');
const httpCheck = z
  .strictObject({
    url: templated.describe('URL to GET; it answers JSON (a non-2xx answer still counts if it holds the value)'),
    path: z
      .string()
      .regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, saying('a JSON path like $.ok or $.stats.errorRate'))
      .describe('JSON path of the value in the answer, like $.ok or $.stats.errorRate'),
    equals: z
      .union([z.string(), z.number(), z.boolean(), z.null()])
      .optional()
      .describe('The value must equal this; any other value is a breach'),
    headers: z.record(z.string(), templated).optional().describe('Request headers; values may hold templates and ${VAR}'),
  })
  .describe('Read the value from a JSON endpoint with GET');

const commandCheck = z
  .strictObject({
    argv: z
      .array(templated)
      .min(1, 'a command is an argv list with at least the program')
      .describe('Program and arguments, run without a shell; may hold {{region}}-style templates and ${VAR}'),
    timeout: duration
      .default('5s')
      .refine((s) => (parseDuration(s) ?? 0) <= CHECK_REQUEST_TIMEOUT_MS, saying(`at most ${CHECK_REQUEST_TIMEOUT_MS / 1000}s, the limit of one check evaluation`))
      .describe(`How long one run may take before its process group is killed and the run breaches; at most ${CHECK_REQUEST_TIMEOUT_MS / 1000}s`),
    once: z
      .boolean()
      .default(false)
      .describe('true: a smoke test, run until it gives one result per soak; that one result counts as all the samples the gate needs'),
  })
  .describe('Run a program: the value is its exit code, 0 passes and any other exit (or a timeout) breaches with the end of its output');

/** kind/name of a workload Firebreak updates: a Deployment or a StatefulSet. */
const workload = z
  .string()
  .regex(/^(deployment|statefulset)\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, saying('a workload like deployment/shop or statefulset/shop'))
  .describe('The workload as kind/name: deployment/NAME or statefulset/NAME');
const kubeContext = templated.describe('The kubeconfig context of the region\'s cluster; may hold {{region}}');
const kubeNamespace = templated.describe('The namespace of the workload; may hold {{region}}');

const kubernetesCheck = z
  .strictObject({
    maxRestarts: z.number().int().min(0).optional().describe("More restarts than this, summed over the workload's pods, is a breach"),
    minReadyRatio: z.number().min(0).max(1).optional().describe('Fewer ready pods than this share of the desired replicas is a breach (0 to 1)'),
    workload: workload.optional().describe("The workload whose pods are watched; default deploy.kubernetes's"),
    namespace: kubeNamespace.optional().describe("The workload's namespace; default deploy.kubernetes's for the region"),
    context: kubeContext.optional().describe("The kubeconfig context; default deploy.kubernetes's for the region"),
  })
  .superRefine((k: unknown, ctx) => {
    if (isRecord(k) && k.maxRestarts === undefined && k.minReadyRatio === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a kubernetes check needs maxRestarts, minReadyRatio or both' });
    }
  }, ALWAYS)
  .describe("Watch the workload's pods in the region's cluster: restarts and the ready share");

export const checkSchema = z
  .strictObject({
    name: z.string().min(1).describe('Names the check in the status, events and breach reasons'),
    prometheus: prometheusCheck.optional(),
    http: httpCheck.optional(),
    command: commandCheck.optional(),
    kubernetes: kubernetesCheck.optional(),
    max: z.number().optional().describe('A value above this is a breach'),
    min: z.number().optional().describe('A value below this is a breach'),
    worse: worseSchema.optional(),
    compare: compareSchema.optional().describe('Peer judgement: compare with the regions still on the previous version, or with this region before its deploy'),
  })
  .superRefine((c: unknown, ctx) => {
    if (!isRecord(c)) return;
    const direction = directionProblem(c);
    if (direction) ctx.addIssue({ code: 'custom', message: direction, path: ['compare'] });
    const providers = [c.prometheus, c.http, c.command, c.kubernetes].filter(Boolean).length;
    if (providers !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a check needs exactly one provider: prometheus, http, command or kubernetes' });
    }
    if (c.command !== undefined || c.kubernetes !== undefined) {
      // The exit code (the pods' limits) is the threshold; a second one could only contradict it.
      const what = c.command !== undefined ? 'a command check passes on exit code 0' : 'a kubernetes check passes within its own limits';
      for (const key of ['max', 'min', 'worse', 'compare'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${what} and takes no ${key}` });
      }
      return;
    }
    const equals = isRecord(c.http) ? c.http.equals : undefined;
    if (c.max === undefined && c.min === undefined && equals === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a check needs a threshold: max, min, or http.equals' });
    }
  }, ALWAYS)
  .describe('One value watched through the soak: exactly one provider (prometheus, http, command or kubernetes) and a threshold (max, min or http.equals; a command passes on exit code 0, a kubernetes check within its limits)');

export const gateSchema = z.strictObject({
  name: z.string().min(1).describe('The named promotion criteria, in words'),
  approval: z.enum(['auto', 'manual']).default('auto').describe('manual waits for an `approve` after the soak'),
  interval: duration.default('60s').describe('How often every check is evaluated during the soak (a duration like 60s)'),
  failAfter: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('Breaching values of one check in a row that fail the region; a good value starts the count again, no data leaves it'),
  minSamples: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('Values each check needs before the gate may pass; a soak short of them is extended (maxExtension)'),
  maxExtension: duration
    .optional()
    .describe('How long a soak may run past its time to collect minSamples (default: half the soak); then onNoData applies'),
  onNoData: z
    .enum(['pause', 'fail'], {
      error: (issue) => (issue.input === 'pass' ? `must be "pause" or "fail": a gate never passes on missing data${got(issue.input)}` : undefined),
    })
    .default('pause')
    .describe('When checks still lack minSamples after the extension: pause holds the region for a person (approve, retry or abort), fail fails it and rolls it back; missing data never passes'),
  checks: z.array(checkSchema).default([]).describe('The checks watched through the soak; with none, only a manual approval gates the stage'),
}).describe('What a region must show before the next stage starts');

/**
 * A per-region gate override: any field of the gate, merged over the pipeline's gate. Each field
 * loses its default here: `.partial()` keeps defaults, so `{approval: manual}` alone would also
 * have set `checks: []` and the other defaults, and the region would deploy with no checks.
 */
const gateField = gateSchema.shape;
/** The field without its default, optional, keeping its description. */
const overridable = <T extends z.ZodType>(field: z.ZodDefault<T>) => field.unwrap().optional().describe(field.description ?? '');
export const gateOverrideSchema = z
  .strictObject({
    name: gateField.name.optional().describe(gateField.name.description ?? ''),
    approval: overridable(gateField.approval),
    interval: overridable(gateField.interval),
    failAfter: overridable(gateField.failAfter),
    minSamples: overridable(gateField.minSamples),
    maxExtension: gateField.maxExtension,
    onNoData: overridable(gateField.onNoData),
    checks: overridable(gateField.checks),
  } satisfies Record<keyof typeof gateField, z.ZodType>)
  .describe("Fields of the gate to change for this region, merged over the pipeline's gate");

export const regionSchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME, saying('region names are lowercase letters, digits and dashes, 1 to 63 long'))
      .describe('Region name: lowercase letters, digits and dashes, 1 to 63 long; fills {{region}}'),
    customers: z.number().int().min(0).describe('Customers served by the region; orders smallest-first'),
    soak: duration.optional().describe("This region's soak, instead of the pipeline's (a duration like 45m)"),
    gate: gateOverrideSchema.optional(),
  })
  .describe('One region the service runs in');

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
export const windowSchema = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1, 'name at least one day').default([...DAYS]).describe('Days on which the window opens'),
    from: z.string().regex(CLOCK, saying('a time like 09:00')).describe('When the window opens, HH:MM on a 24-hour clock in tz'),
    to: z
      .string()
      .regex(CLOCK, saying('a time like 16:00'))
      .describe('When the window closes, HH:MM in tz; before `from` means the window ends the next day'),
    tz: z.string().superRefine(checkTimeZone).default('UTC').describe('An IANA time zone such as Europe/Dublin'),
  })
  .superRefine((w: unknown, ctx) => {
    if (isRecord(w) && typeof w.from === 'string' && w.from === w.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'a window must end at a different time than it starts' });
    }
  }, ALWAYS)
  .describe('A weekly stretch of time in which a stage may start');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function checkTimeZone(tz: string, ctx: z.RefinementCtx): void {
  if (isTimeZone(tz)) return;
  const hint = suggest(tz, Intl.supportedValuesOf('timeZone'));
  ctx.addIssue({
    code: 'custom',
    message: `not a known IANA time zone${hint ? '' : ' (like Europe/Dublin)'}${got(tz, hint)}`,
  });
}

const argv = z.array(templated).min(1, 'a command is an argv list with at least the program');

const imageTemplate = templated
  .refine((s) => versionCount(s) === 1, saying('an image template holds {{version}} exactly once, like registry.example/shop:{{version}}'))
  .describe('The image to run, holding {{version}} once (read back to tell the running version)');
const kubernetesPlace = z
  .strictObject({ context: kubeContext.optional(), namespace: kubeNamespace.optional() })
  .describe("This region's context and namespace, instead of the pipeline's");

export const kubernetesDeploySchema = z
  .strictObject({
    context: kubeContext.default('{{region}}'),
    namespace: kubeNamespace.default('default'),
    workload,
    containers: z
      .record(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, saying('a container name like web')), imageTemplate)
      .refine((c) => Object.keys(c).length > 0, 'name at least one container and its image')
      .describe('Container name -> image template: the containers whose images a deploy sets'),
    regions: z
      .record(z.string(), kubernetesPlace)
      .optional()
      .describe('Region name -> its own context and namespace, for regions that differ from the rule above'),
  })
  .describe('Deploy by patching a Deployment or StatefulSet per region through the Kubernetes API, then following its rollout');

export const deploySchema = z
  .strictObject({
    command: argv.optional().describe('Run per region as argv, never through a shell'),
    current: argv.optional().describe('Prints the version a region runs now: the rollback target'),
    timeout: duration
      .default(DEFAULT_DEPLOY_TIMEOUT)
      .describe("How long one region's deploy or rollback may take before it fails (a duration like 15m)"),
    http: z
      .strictObject({
        url: templated.describe('URL the deploy request goes to'),
        method: z.enum(['POST', 'PUT']).default('POST').describe('Method of the deploy request'),
        headers: z
          .record(z.string(), templated)
          .default({})
          .describe('Headers of the deploy request, and of status reads unless status.headers is set; values may hold ${VAR}'),
        body: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('JSON body of the deploy request, its strings templated; default {service, version, region, deployId}'),
        status: z
          .strictObject({
            url: templated.describe("URL to GET a region's deploy state; 404 means the region runs nothing yet"),
            headers: z.record(z.string(), templated).optional().describe('Headers of status reads, instead of deploy.http.headers'),
            state: z.string().default('$.state').describe('JSON path of the state in the status answer'),
            done: z.string().default('ready').describe('The state that means the rollout is finished'),
            failed: z.string().default('error').describe('The state that means the rollout failed'),
            version: z.string().optional().describe('JSON path of the running version: the rollback target'),
          })
          .describe('How to read a region: polled after the deploy request until done or failed'),
      })
      .optional()
      .describe("Deploy through a deployer's HTTP API: one request per region, then status polls"),
    kubernetes: kubernetesDeploySchema.optional(),
  })
  .superRefine((d: unknown, ctx) => {
    if (!isRecord(d)) return;
    if ([d.command, d.http, d.kubernetes].filter(Boolean).length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'deploy needs exactly one adapter: command, http or kubernetes' });
    }
    if (d.current && !d.command) {
      ctx.addIssue({ code: 'custom', path: ['current'], message: 'current belongs to the command adapter' });
    }
  }, ALWAYS)
  .describe('How a region is changed and read: exactly one adapter, command, http or kubernetes');

export const rollbackSchema = z
  .strictObject({
    onFailure: z
      .enum(['region', 'all'])
      .default('region')
      .describe('region: roll back the failed region and pause; all: roll back every region this deploy touched and end rolled_back'),
    onAbort: z
      .enum(['none', 'all'])
      .default('none')
      .describe('What an abort rolls back when it names no scope: nothing, or every region this deploy touched'),
  })
  .describe('What goes back to the previous version, and when');

export const trainSchema = z
  .strictObject({
    mode: z
      .enum(['refuse', 'queue'])
      .default('refuse')
      .describe('refuse: a second version is refused while one rolls out; queue: it waits, and the newest queued version starts when the running deploy ends'),
  })
  .describe('What happens to a version started while another one rolls out');

export const NOTIFY_EVENTS = ['paused', 'rolled_back', 'awaiting_approval', 'succeeded', 'aborted'] as const;
export const notifySchema = z
  .strictObject({
    webhook: templated.describe('URL that gets the POST, usually ${VAR} so it never enters workflow history'),
    on: z.array(z.enum(NOTIFY_EVENTS)).min(1).default([...NOTIFY_EVENTS]).describe('The events this webhook gets; default all'),
  })
  .describe('One webhook and the events it is told about');

const migrationFiles = z.strictObject({
  up: z.string().min(1).describe('SQL file run forward, relative to the pipeline file'),
  down: z.string().min(1).optional().describe('SQL file that undoes up; without it the step is one-way'),
});
export const migrationSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, saying('migration ids are letters, digits, dot, dash, underscore'))
      .describe("Names the migration in the database's firebreak_migrations table; applied once per id"),
    database: z.string().min(1).describe('PostgreSQL connection URL, usually ${DATABASE_URL}, resolved on the worker'),
    expand: migrationFiles.optional().describe('Backward-compatible step, run once before the first region'),
    contract: migrationFiles.optional().describe('Runs after every region is promoted and soaked'),
    irreversible: z.string().min(1).optional().describe('Why a step without `down` is acceptable'),
  })
  .superRefine((m: unknown, ctx) => {
    if (isRecord(m) && m.expand === undefined && m.contract === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a migration needs an expand step, a contract step, or both' });
    }
  }, ALWAYS)
  .describe('One two-phase schema migration');

export const lintSchema = z
  .strictObject({
    allow: z
      .array(
        z
          .strictObject({
            rule: z.enum(LINT_RULES).describe('The rule id, as `firebreak plan` names it'),
            reason: z.string().trim().min(1, 'say why this rule does not apply here').describe('Why the rule does not apply here'),
          })
          .describe('One silenced rule'),
      )
      .default([])
      .describe('Rules silenced for this pipeline, each with a written reason'),
  })
  .describe('Settings of the policy lint `firebreak plan` runs');

export const hotfixSchema = z
  .strictObject({
    soakScale: z
      .number()
      .gt(0, 'soakScale must be above 0')
      .max(1, 'soakScale is at most 1: a hotfix soak is never longer than the usual one')
      .describe('Each soak of a hotfix is the usual soak times this (0 < soakScale <= 1), never below minSoak'),
    minSoak: duration.optional().describe('The floor: no hotfix soak is shorter than this (a duration like 5m); lint refuses a lane without one'),
    manualGates: z.boolean().default(false).describe('true: every gate of a hotfix waits for an approval after its checks pass'),
  })
  .describe('The hotfix lane (deploy --hotfix): same order, checks and rollback; shorter soaks');

export const pipelineSchema = z
  .strictObject({
    /** Lets a JSON pipeline name its schema for editors (YAML uses a modeline comment). */
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors'),
    apiVersion: z.literal('firebreak/v1').describe('The file format; always firebreak/v1'),
    service: z
      .string()
      .regex(NAME, saying('service names are lowercase letters, digits and dashes, 1 to 63 long'))
      .describe('Service name: lowercase letters, digits and dashes, 1 to 63 long; its deploys are the workflow deploy-<service>'),
    owner: z.string().min(1).describe('The team answerable for this pipeline'),
    runbook: z.string().min(1).describe('URL or path of the pause-and-resume runbook'),
    regions: z.array(regionSchema).min(1, 'at least one region').max(50, 'at most 50 regions').describe('The regions, 1 to 50, names unique'),
    order: z
      .enum(['smallest-first', 'as-listed'])
      .default('smallest-first')
      .describe('One region per stage, by customers ascending (ties by name) or in file order; ignored when waves is set'),
    waves: z
      .array(z.array(z.string()).min(1, 'a wave names at least one region'))
      .min(1, 'at least one wave')
      .optional()
      .describe('Explicit grouping of regions into stages, in order, each region in exactly one wave; replaces `order`'),
    soak: duration.default('45m').describe('How long each stage is watched before its gate decides (a duration like 45m)'),
    gate: gateSchema,
    windows: z.array(windowSchema).optional().describe('Promotion happens only inside these windows'),
    deploy: deploySchema,
    rollback: rollbackSchema.default({ onFailure: 'region', onAbort: 'none' }),
    pauseTimeout: duration
      .default('72h')
      .describe('A deploy paused this long is aborted, rolling back as rollback.onAbort says (a duration like 72h)'),
    train: trainSchema.default({ mode: 'refuse' }),
    notify: z.array(notifySchema).optional().describe('Webhooks told of deploy events; they never block or fail the deploy'),
    migrations: z
      .array(migrationSchema)
      .optional()
      .describe('Schema migrations: expand before the first region, contract after the last'),
    lint: lintSchema.optional(),
    hotfix: hotfixSchema.optional(),
  })
  .superRefine((p: unknown, ctx) => {
    if (!isRecord(p)) return;
    const regions = Array.isArray(p.regions) ? p.regions : [];
    const names = regions.map((r) => (isRecord(r) && typeof r.name === 'string' ? r.name : undefined));
    const seen = new Set<string>();
    names.forEach((name, i) => {
      if (name === undefined) return;
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'name'], message: `duplicate region ${name}` });
      }
      seen.add(name);
    });
    kubernetesRefs(p, [...seen], ctx);
    if (!Array.isArray(p.waves)) return;
    const known = [...seen];
    const placed = new Map<string, string>();
    p.waves.forEach((wave, w) => {
      if (!Array.isArray(wave)) return;
      wave.forEach((name, j) => {
        if (typeof name !== 'string') return;
        const at = `waves[${w}][${j}]`;
        if (!seen.has(name)) {
          const hint = suggest(name, known);
          const message = `must name one of the regions${got(name, hint)}`;
          ctx.addIssue({ code: 'custom', path: ['waves', w, j], message });
        } else if (placed.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['waves', w, j], message: `${name} is already in ${placed.get(name)}` });
        } else {
          placed.set(name, at);
        }
      });
    });
    names.forEach((name, i) => {
      if (name !== undefined && !placed.has(name) && names.indexOf(name) === i) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'name'], message: `${name} is in no wave` });
      }
    });
  }, ALWAYS)
  .describe('A Firebreak pipeline: how one service is deployed across its regions');

/** deploy.kubernetes.regions names regions of the file; a kubernetes check has a workload to watch. */
function kubernetesRefs(p: Record<string, unknown>, regions: string[], ctx: z.RefinementCtx): void {
  const kube = isRecord(p.deploy) && isRecord(p.deploy.kubernetes) ? p.deploy.kubernetes : undefined;
  if (kube && isRecord(kube.regions)) {
    for (const name of Object.keys(kube.regions)) {
      if (!regions.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['deploy', 'kubernetes', 'regions', name], message: `must name one of the regions${got(name, suggest(name, regions))}` });
      }
    }
  }
  if (kube) return;
  const gates = [{ gate: p.gate, path: ['gate'] as (string | number)[] }];
  if (Array.isArray(p.regions)) p.regions.forEach((r, i) => isRecord(r) && gates.push({ gate: r.gate, path: ['regions', i, 'gate'] }));
  for (const { gate, path } of gates) {
    if (!isRecord(gate) || !Array.isArray(gate.checks)) continue;
    gate.checks.forEach((c, j) => {
      if (isRecord(c) && isRecord(c.kubernetes) && c.kubernetes.workload === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'checks', j, 'kubernetes', 'workload'], message: 'name the workload: without deploy.kubernetes there is none to default to' });
      }
    });
  }
}

/**
 * The JSON Schema editors use (yaml-language-server, VS Code), generated from the zod schema
 * for what a person writes (io: 'input': defaulted fields are optional). Draft-07 because
 * that is the draft every YAML/JSON editor plugin understands.
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(pipelineSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  return {
    ...generated,
    $id: 'https://firebreak.dev/schema/pipeline.schema.json',
    title: 'Firebreak pipeline (apiVersion firebreak/v1)',
  };
}

export type Pipeline = z.output<typeof pipelineSchema>;
export type PipelineInput = z.input<typeof pipelineSchema>;
export type Gate = z.output<typeof gateSchema>;
export type Check = z.output<typeof checkSchema>;
export type Region = z.output<typeof regionSchema>;
export type Deploy = z.output<typeof deploySchema>;
export type KubernetesDeploy = z.output<typeof kubernetesDeploySchema>;
export type Rollback = z.output<typeof rollbackSchema>;
export type Train = z.output<typeof trainSchema>;
export type Window = z.output<typeof windowSchema>;
export type Notify = z.output<typeof notifySchema>;
export type Migration = z.output<typeof migrationSchema>;
export type Hotfix = z.output<typeof hotfixSchema>;
