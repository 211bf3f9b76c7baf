// `firebreak freeze [SERVICE... | --all] --reason R [--from T] [--until T]`, `freeze --list` and
// `firebreak unfreeze [SERVICE... | --all]`: the freeze workflow's updates and query. Checked
// here first with the workflow's own rules, so a refused freeze never reaches the server.
import { checkFreeze, checkUnfreeze, describeFreeze, isActive, type FreezeAnswer } from '../domain/freeze.js';
import { parseDuration } from '../domain/pipeline/duration.js';
import { FreezeRefused, liftFreeze, listFreezes, setFreeze } from '../client/freeze.js';
import { actor, client } from './common.js';
import { CliError } from './fail.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';

export interface FreezeOptions extends OutputFlags, ConnectFlags {
  all?: boolean;
  reason?: string;
  from?: string;
  until?: string;
  list?: boolean;
  by?: string;
  taskQueue: string;
}

/** A time as `--from`/`--until` take it: an ISO time, or a duration from now (30m, 2h). */
export function parseWhen(flag: string, text: string, now: number): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now + ms).toISOString();
  const at = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new CliError(`${flag} ${JSON.stringify(text)} is not a time: an ISO time with its zone (2026-12-24T00:00Z) or a duration from now (2h); nothing was changed`);
  return new Date(at).toISOString();
}

function scopeOf(services: string[], all: boolean | undefined, cmd: string): true | string[] {
  if (all && services.length > 0) throw new CliError(`${cmd}: name services or --all, not both; nothing was changed`);
  if (!all && services.length === 0) throw new CliError(`${cmd}: name the services to ${cmd}, or --all; nothing was changed`);
  return all ? true : services;
}

export async function freezeCommand(services: string[], opts: FreezeOptions): Promise<void> {
  const format = outputFormat(opts);
  if (opts.list) {
    if (services.length > 0 || opts.all || opts.reason || opts.from || opts.until) throw new CliError('freeze --list takes no services or other flags');
    const freezes = await listFreezes(await client(opts));
    if (format !== 'text') return printDocument(format, { freezes });
    const now = Date.now();
    if (freezes.length === 0) process.stdout.write('no freezes\n');
    for (const f of freezes) process.stdout.write(`${isActive(f, now) ? 'FROZEN   ' : 'SCHEDULED'}  ${describeFreeze(f)}\n`);
    return;
  }
  const now = Date.now();
  const raw = {
    services: scopeOf(services, opts.all, 'freeze'),
    reason: opts.reason ?? '',
    by: actor(opts.by),
    ...(opts.from !== undefined ? { from: parseWhen('--from', opts.from, now) } : {}),
    ...(opts.until !== undefined ? { until: parseWhen('--until', opts.until, now) } : {}),
  };
  const checked = checkFreeze(raw, new Date(now));
  if (!checked.ok) throw new CliError(`freeze refused: ${checked.reason}; nothing was changed`);
  const c = await client(opts);
  const answer = await send(() => setFreeze(c, opts.taskQueue, checked.value), 'freeze');
  report(answer, 'froze', format);
}

export async function unfreezeCommand(services: string[], opts: FreezeOptions): Promise<void> {
  const format = outputFormat(opts);
  const raw = { services: scopeOf(services, opts.all, 'unfreeze'), by: actor(opts.by), ...(opts.reason ? { reason: opts.reason } : {}) };
  const checked = checkUnfreeze(raw);
  if (!checked.ok) throw new CliError(`unfreeze refused: ${checked.reason}; nothing was changed`);
  const c = await client(opts);
  const answer = await send(() => liftFreeze(c, opts.taskQueue, checked.value), 'unfreeze');
  report(answer, 'unfroze', format);
  if (answer.stillFrozen && format === 'text') process.stdout.write(`still frozen: ${describeFreeze(answer.stillFrozen)}\n`);
}

async function send(call: () => Promise<FreezeAnswer>, cmd: string): Promise<FreezeAnswer> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof FreezeRefused) throw new CliError(`${cmd} refused: ${err.message}; nothing was changed`);
    throw err;
  }
}

function report(answer: FreezeAnswer, did: string, format: ReturnType<typeof outputFormat>): void {
  if (format !== 'text') return printDocument(format, answer);
  process.stdout.write(answer.changed.length > 0 ? `${did} ${answer.changed.map((s) => (s === '*' ? 'every service' : s)).join(', ')}\n` : 'nothing changed (already so)\n');
  for (const f of answer.freezes) process.stdout.write(`  ${describeFreeze(f)}\n`);
}
