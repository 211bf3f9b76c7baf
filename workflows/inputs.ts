// The payload of each operator command, as one zod schema shared by the workflow (signals,
// update validators) and the clients (the CLI checks before it sends). Anything can arrive
// through `temporal workflow signal --input ...`: nothing, null, a string, a typo'd field, a
// megabyte. Parsing never throws; it answers with the input or the reason it makes no sense,
// so no payload can ever fail a workflow task. Pure: runs in the workflow sandbox.
import { z } from 'zod';

/** Bounded so a pasted log cannot bloat the status (and every later query) or the history. */
const REASON_MAX = 500;
const BY_MAX = 100;

const by = z.string().min(1).max(BY_MAX);
const reason = z.string().max(REASON_MAX);
const region = z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be a region name like "eu-west-1"');

export const ABORT_SCOPES = ['none', 'failed', 'all'] as const;

export const pauseInput = z.strictObject({ reason: reason.optional(), by: by.optional() });
export const resumeInput = z.strictObject({ by: by.optional() });
export const approveInput = z.strictObject({ region: region.optional(), by: by.optional() });
export const retryInput = z.strictObject({ region, by: by.optional() });
export const abortInput = z.strictObject({
  reason: reason.optional(),
  by: by.optional(),
  rollback: z.enum(ABORT_SCOPES).optional(),
});

export type PauseInput = z.infer<typeof pauseInput>;
export type ResumeInput = z.infer<typeof resumeInput>;
export type ApproveInput = z.infer<typeof approveInput>;
export type RetryInput = z.infer<typeof retryInput>;
export type AbortInput = z.infer<typeof abortInput>;
export type AbortScope = (typeof ABORT_SCOPES)[number];

export const COMMAND_INPUTS = {
  pause: pauseInput,
  resume: resumeInput,
  approve: approveInput,
  retry: retryInput,
  abort: abortInput,
} as const;

export type Command = keyof typeof COMMAND_INPUTS;
export const COMMANDS = Object.keys(COMMAND_INPUTS) as Command[];
export type CommandInput<C extends Command> = z.infer<(typeof COMMAND_INPUTS)[C]>;

/** What the operator should have sent, for the reason text: {"region":"...","by":"..."}. */
const EXAMPLES: Record<Command, string> = {
  pause: '{"reason":"...","by":"..."}',
  resume: '{"by":"..."}',
  approve: '{"region":"...","by":"..."}',
  retry: '{"region":"...","by":"..."}',
  abort: '{"reason":"...","by":"...","rollback":"none|failed|all"}',
};

export type Parsed<T> = { ok: true; input: T } | { ok: false; reason: string };

// --- the train (`train.mode: queue`): a version queued behind the running deploy ---

/** The longest queue a deploy keeps: each entry carries a whole plan in history. */
export const QUEUE_MAX = 20;

const version = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be a version like "2.1.0"');
const text = z.string().min(1).max(REASON_MAX);

/**
 * The plan the queued version will run, as the CLI's plan() made it. Checked deep enough that
 * the run it starts can read every field it needs: a broken plan is refused here, never handed
 * to a new run to fail its workflow tasks.
 */
const queuedPlan = z.looseObject({
  service: z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be a service name'),
  version,
  owner: text,
  runbook: text,
  stages: z
    .array(
      z.looseObject({
        index: z.number().int().min(0),
        regions: z.array(z.looseObject({ name: region, customers: z.number(), soakMs: z.number(), maxExtensionMs: z.number(), gate: z.looseObject({}) })).min(1),
        soakMs: z.number(),
        maxExtensionMs: z.number(),
        gate: z.looseObject({ name: z.string(), approval: z.enum(['auto', 'manual']) }),
      }),
    )
    .min(1),
  deploy: z.looseObject({}),
  rollback: z.looseObject({ onFailure: z.enum(['region', 'all']), onAbort: z.enum(['none', 'all']) }),
  pauseTimeoutMs: z.number().positive(),
  windows: z.array(z.looseObject({})),
  notify: z.array(z.looseObject({})),
  migrations: z.array(z.looseObject({})),
  totalCustomers: z.number(),
});

export const enqueueInput = z.strictObject({ plan: queuedPlan, previous: version.optional(), by: by.optional() });
export type EnqueueInput = z.infer<typeof enqueueInput>;
const ENQUEUE_EXAMPLE = '{"plan":{...the output of firebreak plan --json...},"by":"..."}';

/** The enqueue payload from the raw arguments of its signal or update; never throws. */
export function parseEnqueueInput(args: readonly unknown[]): Parsed<EnqueueInput> {
  if (args.length !== 1) return { ok: false, reason: `enqueue takes one JSON object like ${ENQUEUE_EXAMPLE}, got ${args.length} inputs` };
  return parseObject(enqueueInput, ENQUEUE_EXAMPLE, args[0]);
}

export function isCommand(name: string): name is Command {
  return Object.prototype.hasOwnProperty.call(COMMAND_INPUTS, name);
}

/**
 * The command's input from the raw arguments of a signal or update. No argument means `{}`,
 * which is valid for every command whose fields are all optional (approve then approves
 * whatever awaits approval); null, non-objects, unknown fields and wrong types are refused.
 */
export function parseCommandInput<C extends Command>(cmd: C, args: readonly unknown[]): Parsed<CommandInput<C>> {
  if (args.length > 1) return { ok: false, reason: `${cmd} takes one JSON object like ${EXAMPLES[cmd]}, got ${args.length} inputs` };
  const raw = args.length === 0 || args[0] === undefined ? {} : args[0];
  return parseObject(COMMAND_INPUTS[cmd], EXAMPLES[cmd], raw) as Parsed<CommandInput<C>>;
}

function parseObject<T>(schema: z.ZodType<T>, example: string, raw: unknown): Parsed<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: `input must be a JSON object like ${example}, got ${quote(raw)}` };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, input: result.data };
  // The first few problems: a wholly wrong plan would otherwise list dozens.
  const problems = result.error.issues.slice(0, 3).map((issue) => describeIssue(issue, raw as Record<string, unknown>));
  return { ok: false, reason: `${problems.join('; ')} (expected ${example})` };
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(shorten(k))).join(', ')}`;
  }
  const found = lookUp(raw, issue.path);
  const got = found.present ? quote(found.value) : 'nothing';
  if (issue.code === 'invalid_type') {
    return found.present ? `${field} must be a ${issue.expected}, got ${got}` : `${field} is required`;
  }
  if (issue.code === 'too_big') return `${field} is longer than ${String(issue.maximum)} characters`;
  if (issue.code === 'too_small') return `${field} must not be empty`;
  if (issue.code === 'invalid_value') return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
  return `${field} ${issue.message}, got ${got}`;
}

/** The value at a path of what arrived, if there is one. */
function lookUp(raw: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let at: unknown = raw;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, key)) return { present: false };
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: at };
}

/** A JSON rendering of what arrived, short enough for an event message. */
function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return shorten(text);
}

/** Who sent a refused command, if what they sent names them sensibly (for the audit trail). */
export function claimedBy(args: readonly unknown[]): string | undefined {
  const raw = args[0] as { by?: unknown } | null | undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  return by.safeParse(raw.by).success ? (raw.by as string) : undefined;
}

export function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
