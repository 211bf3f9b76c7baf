// The pipeline file (SPEC §1). This zod schema is the single source: TS types are inferred
// from it and the editor JSON Schema (schema/pipeline.schema.json) is generated from it.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { got, suggest } from './suggest.js';
import { DEFAULT_DEPLOY_TIMEOUT } from './deploy-timeout.js';
import { compareSchema, directionProblem, worseSchema } from './compare.js';

const NAME = /^[a-z0-9-]{1,63}$/;
const TEMPLATE_VARS = ['region', 'version', 'service', 'deployId'] as const;

/**
 * The policy lint rules (SPEC §2), listed here so that `lint.allow` is checked by the schema
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

const prometheusCheck = z.strictObject({ url: templated, query: templated });
const httpCheck = z.strictObject({
  url: templated,
  path: z.string().regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, saying('a JSON path like $.ok or $.stats.errorRate')),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  headers: z.record(z.string(), templated).optional(),
});

export const checkSchema = z
  .strictObject({
    name: z.string().min(1),
    prometheus: prometheusCheck.optional(),
    http: httpCheck.optional(),
    max: z.number().optional(),
    min: z.number().optional(),
    worse: worseSchema.optional(),
    compare: compareSchema.optional().describe('Peer judgement: compare with the regions still on the previous version, or with this region before its deploy'),
  })
  .superRefine((c: unknown, ctx) => {
    if (!isRecord(c)) return;
    const direction = directionProblem(c);
    if (direction) ctx.addIssue({ code: 'custom', message: direction, path: ['compare'] });
    const providers = [c.prometheus, c.http].filter(Boolean).length;
    if (providers !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a check needs exactly one provider: prometheus or http' });
    }
    const equals = isRecord(c.http) ? c.http.equals : undefined;
    if (c.max === undefined && c.min === undefined && equals === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a check needs a threshold: max, min, or http.equals' });
    }
  }, ALWAYS);

export const gateSchema = z.strictObject({
  name: z.string().min(1).describe('The named promotion criteria, in words'),
  approval: z.enum(['auto', 'manual']).default('auto').describe('manual waits for an `approve` after the soak'),
  interval: duration.default('60s'),
  failAfter: z.number().int().min(1).default(2),
  minSamples: z.number().int().min(1).default(10),
  maxExtension: duration
    .optional()
    .describe('How long a soak may run past its time to collect minSamples (default: half the soak); then onNoData applies'),
  onNoData: z
    .enum(['pause', 'fail'], {
      error: (issue) => (issue.input === 'pass' ? `must be "pause" or "fail": a gate never passes on missing data${got(issue.input)}` : undefined),
    })
    .default('pause')
    .describe('Missing data never passes a gate'),
  checks: z.array(checkSchema).default([]),
});

/** A per-region gate override: any field of the gate, merged over the pipeline's gate. */
export const gateOverrideSchema = gateSchema.partial();

export const regionSchema = z.strictObject({
  name: z.string().regex(NAME, saying('region names are lowercase letters, digits and dashes, 1 to 63 long')),
  customers: z.number().int().min(0).describe('Customers served by the region; orders smallest-first'),
  soak: duration.optional(),
  gate: gateOverrideSchema.optional(),
});

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
export const windowSchema = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1, 'name at least one day').default([...DAYS]).describe('Days on which the window opens'),
    from: z.string().regex(CLOCK, saying('a time like 09:00')),
    to: z.string().regex(CLOCK, saying('a time like 16:00')).describe('Before `from` means the window ends the next day'),
    tz: z.string().superRefine(checkTimeZone).default('UTC').describe('An IANA time zone such as Europe/Dublin'),
  })
  .superRefine((w: unknown, ctx) => {
    if (isRecord(w) && typeof w.from === 'string' && w.from === w.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'a window must end at a different time than it starts' });
    }
  }, ALWAYS);

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

export const deploySchema = z
  .strictObject({
    command: argv.optional().describe('Run per region as argv, never through a shell'),
    current: argv.optional().describe('Prints the version a region runs now: the rollback target'),
    timeout: duration.default(DEFAULT_DEPLOY_TIMEOUT),
    http: z
      .strictObject({
        url: templated,
        method: z.enum(['POST', 'PUT']).default('POST'),
        headers: z.record(z.string(), templated).default({}),
        body: z.record(z.string(), z.unknown()).optional(),
        status: z.strictObject({
          url: templated,
          headers: z.record(z.string(), templated).optional(),
          state: z.string().default('$.state'),
          done: z.string().default('ready'),
          failed: z.string().default('error'),
          version: z.string().optional().describe('JSON path of the running version: the rollback target'),
        }),
      })
      .optional(),
  })
  .superRefine((d: unknown, ctx) => {
    if (!isRecord(d)) return;
    if (!!d.command === !!d.http) {
      ctx.addIssue({ code: 'custom', message: 'deploy needs exactly one adapter: command or http' });
    }
    if (d.current && !d.command) {
      ctx.addIssue({ code: 'custom', path: ['current'], message: 'current belongs to the command adapter' });
    }
  }, ALWAYS);

export const rollbackSchema = z.strictObject({
  onFailure: z.enum(['region', 'all']).default('region'),
  onAbort: z.enum(['none', 'all']).default('none'),
});

export const trainSchema = z
  .strictObject({
    mode: z
      .enum(['refuse', 'queue'])
      .default('refuse')
      .describe('refuse: a second version is refused while one rolls out; queue: it waits, and the newest queued version starts when the running deploy ends'),
  })
  .describe('What happens to a version started while another one rolls out');

export const NOTIFY_EVENTS = ['paused', 'rolled_back', 'awaiting_approval', 'succeeded', 'aborted'] as const;
export const notifySchema = z.strictObject({
  webhook: templated,
  on: z.array(z.enum(NOTIFY_EVENTS)).min(1).default([...NOTIFY_EVENTS]),
});

const migrationFiles = z.strictObject({ up: z.string().min(1), down: z.string().min(1).optional() });
export const migrationSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, saying('migration ids are letters, digits, dot, dash, underscore')),
    database: z.string().min(1),
    expand: migrationFiles.optional().describe('Backward-compatible step, run once before the first region'),
    contract: migrationFiles.optional().describe('Runs after every region is promoted and soaked'),
    irreversible: z.string().min(1).optional().describe('Why a step without `down` is acceptable'),
  })
  .superRefine((m: unknown, ctx) => {
    if (isRecord(m) && m.expand === undefined && m.contract === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a migration needs an expand step, a contract step, or both' });
    }
  }, ALWAYS);

export const lintSchema = z.strictObject({
  allow: z
    .array(
      z.strictObject({
        rule: z.enum(LINT_RULES),
        reason: z.string().trim().min(1, 'say why this rule does not apply here'),
      }),
    )
    .default([])
    .describe('Rules silenced for this pipeline, each with a written reason'),
});

export const pipelineSchema = z
  .strictObject({
    /** Lets a JSON pipeline name its schema for editors (YAML uses a modeline comment). */
    $schema: z.string().optional(),
    apiVersion: z.literal('firebreak/v1'),
    service: z.string().regex(NAME, saying('service names are lowercase letters, digits and dashes, 1 to 63 long')),
    owner: z.string().min(1).describe('The team answerable for this pipeline'),
    runbook: z.string().min(1).describe('URL or path of the pause-and-resume runbook'),
    regions: z.array(regionSchema).min(1, 'at least one region').max(50, 'at most 50 regions'),
    order: z.enum(['smallest-first', 'as-listed']).default('smallest-first'),
    waves: z
      .array(z.array(z.string()).min(1, 'a wave names at least one region'))
      .min(1, 'at least one wave')
      .optional()
      .describe('Explicit grouping of regions into stages, in order; replaces `order`'),
    soak: duration.default('45m'),
    gate: gateSchema,
    windows: z.array(windowSchema).optional().describe('Promotion happens only inside these windows'),
    deploy: deploySchema,
    rollback: rollbackSchema.default({ onFailure: 'region', onAbort: 'none' }),
    pauseTimeout: duration.default('72h'),
    train: trainSchema.default({ mode: 'refuse' }),
    notify: z.array(notifySchema).optional(),
    migrations: z.array(migrationSchema).optional(),
    lint: lintSchema.optional(),
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
  }, ALWAYS);

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
export type Rollback = z.output<typeof rollbackSchema>;
export type Train = z.output<typeof trainSchema>;
export type Window = z.output<typeof windowSchema>;
export type Notify = z.output<typeof notifySchema>;
export type Migration = z.output<typeof migrationSchema>;
