// Freezes: a stop-the-line for some services or all of them, kept by one long-lived workflow
// (workflows/freeze.ts) and read by every deploy at every gate. This file holds what both sides
// agree on: the inputs (checked by the CLI before sending and by the update validators), and the
// pure rules of which freeze holds which service when. Pure: runs in the workflow sandbox.
import { z } from 'zod';

/** The one workflow holding every freeze of a namespace. */
export const FREEZE_WORKFLOW_ID = 'firebreak-freezes';
/** The scope of a freeze of every service. */
export const ALL = '*';

const REASON_MAX = 500;
const service = z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be a service name like "checkout"');
const by = z.string().min(1).max(100);
const reason = z.string().trim().min(1, 'a freeze needs a reason').max(REASON_MAX);
const when = z.iso.datetime({ offset: true });
const scopes = z.union([z.literal(true), z.array(service).min(1).max(200)]);

/** `services: true` means every service (--all). */
export const freezeInput = z.strictObject({ services: scopes, reason, by: by.optional(), from: when.optional(), until: when.optional() });
export const unfreezeInput = z.strictObject({ services: scopes, reason: z.string().max(REASON_MAX).optional(), by: by.optional() });
export type FreezeInput = z.infer<typeof freezeInput>;
export type UnfreezeInput = z.infer<typeof unfreezeInput>;

/** One freeze of one scope (a service, or ALL). */
export interface Freeze {
  scope: string;
  reason: string;
  by?: string;
  /** When it starts (ISO); the time it was set when it starts at once. */
  from: string;
  /** When it ends by itself (ISO); absent: until an unfreeze. */
  until?: string;
}

/** What a deploy learns at a gate: the freeze that holds it now, if any. */
export interface FreezeReading {
  /** The freeze holding the service now (ALL before the service's own when both do). */
  freeze?: Freeze;
  /** How long a held deploy waits before reading again, when no unfreeze wakes it (the worker's setting). */
  recheckMs: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The input, or the one-line reason it is refused; never throws. `now`: the freeze workflow's clock. */
export function checkFreeze(raw: unknown, now: Date): Checked<FreezeInput> {
  const parsed = parse(freezeInput, raw);
  if (!parsed.ok) return parsed;
  const { from, until } = parsed.value;
  if (until !== undefined && Date.parse(until) <= now.getTime()) return { ok: false, reason: `--until ${until} is in the past: nothing would be frozen` };
  if (from !== undefined && until !== undefined && Date.parse(from) >= Date.parse(until)) {
    return { ok: false, reason: `--from ${from} is not before --until ${until}` };
  }
  return parsed;
}

export function checkUnfreeze(raw: unknown): Checked<UnfreezeInput> {
  return parse(unfreezeInput, raw);
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): Checked<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'input must be a JSON object like {"services":["checkout"],"reason":"..."}' };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.') || 'input';
  if (field === 'reason' && issue.code !== 'too_big') return { ok: false, reason: 'a freeze needs a reason (--reason)' };
  return { ok: false, reason: `${field}: ${issue.message}` };
}

/** The scopes an input names. */
export function scopesOf(services: true | string[]): string[] {
  return services === true ? [ALL] : [...new Set(services)].sort();
}

/** The freezes an input makes, at `now` (the freeze workflow's clock). */
export function freezesOf(input: FreezeInput, now: Date): Freeze[] {
  const from = input.from !== undefined && Date.parse(input.from) > now.getTime() ? new Date(input.from).toISOString() : now.toISOString();
  return scopesOf(input.services).map((scope) => ({
    scope,
    reason: input.reason,
    ...(input.by ? { by: input.by } : {}),
    from,
    ...(input.until !== undefined ? { until: new Date(input.until).toISOString() } : {}),
  }));
}

/** Same scope, reason, start and end (two that both started by `now` start alike): a freeze sent twice changes nothing. */
export function sameFreeze(a: Freeze, b: Freeze, now: number): boolean {
  const started = (f: Freeze) => Date.parse(f.from) <= now;
  return a.scope === b.scope && a.reason === b.reason && a.until === b.until && (a.from === b.from || (started(a) && started(b)));
}

export function isActive(f: Freeze, at: number): boolean {
  return Date.parse(f.from) <= at && (f.until === undefined || at < Date.parse(f.until));
}

/** The freeze that holds `service` at `at`, if any: a freeze of all services first. */
export function freezeFor(freezes: readonly Freeze[], service: string, at: number): Freeze | undefined {
  const active = freezes.filter((f) => isActive(f, at));
  return active.find((f) => f.scope === ALL) ?? active.find((f) => f.scope === service);
}

/** Freezes not yet over at `at` (an ended freeze is dropped from the state). */
export function live(freezes: readonly Freeze[], at: number): Freeze[] {
  return freezes.filter((f) => f.until === undefined || at < Date.parse(f.until));
}

/** The next time a freeze starts or ends after `at`, when one does. */
export function nextChange(freezes: readonly Freeze[], at: number): number | undefined {
  const times = freezes.flatMap((f) => [Date.parse(f.from), ...(f.until !== undefined ? [Date.parse(f.until)] : [])]).filter((t) => t > at);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** One line naming a freeze, for refusals, holds and `freeze --list`. */
export function describeFreeze(f: Freeze): string {
  const what = f.scope === ALL ? 'every service' : f.scope;
  const end = f.until ? ` until ${f.until}` : ' until unfrozen';
  return `${what} frozen${f.by ? ` by ${f.by}` : ''} since ${f.from}${end}: ${f.reason}`;
}

/** Message names, here so the activities (which may not import workflows/) use the same ones. */
export const FREEZE_MESSAGES = {
  freeze: 'freeze',
  unfreeze: 'unfreeze',
  query: 'freezes',
  /** Sent to every running deploy when a freeze is set, starts, ends or is lifted: the freezes then. */
  changed: 'freeze-changed',
} as const;

/** What the freeze and unfreeze updates answer: the freezes after, and what this call changed. */
export interface FreezeAnswer {
  freezes: Freeze[];
  /** Scopes this call set, replaced or lifted; empty when it changed nothing (sent twice). */
  changed: string[];
  /** Unfreeze of a service that a freeze of every service still holds. */
  stillFrozen?: Freeze;
}
