// Notifications (the pipeline's `notify:`): a Slack-compatible JSON POST to each webhook subscribed to
// the event — paused, rolled_back, awaiting_approval, succeeded, aborted — naming the owner, the
// region, the reason and the command that resumes or approves. ${VAR} in a webhook is resolved
// here on the worker (never in history). Delivery is bounded and never fails the deploy.
//
// `notifyWebhook` is one POST to one webhook: the workflow runs one activity per webhook and
// Temporal's retry policy retries it, so every attempt shows in the Web UI. It throws a
// retryable NotifyFailed (5xx, 408, 429, no answer) or a non-retryable NotifyRefused (other
// 4xx, a bad URL) or MissingEnv; every message names the webhook redacted, never its secret.
// `notify` (every webhook, each retried in a loop here) is what runs before
// patched('notify-per-webhook'); it stays registered for those runs and their replays.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { cancelled } from '../src/domain/cancelled.js';
import { FailureType } from '../src/domain/failures.js';
import { describe, Renderer } from './templates.js';
import { createHttpClient, send } from './http/client.js';
import { isRetryableStatus } from './http/failures.js';
import { envRefNames } from '../src/domain/pipeline/env-ref.js';
import { NOTIFY_ATTEMPTS, NOTIFY_BACKOFF_MS, NOTIFY_POST_TIMEOUT_MS } from '../src/domain/notify-limits.js';
import type { NOTIFY_EVENTS } from '../src/domain/pipeline/schema.js';

export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export interface NotifyWebhook {
  /** URL; may hold ${VAR} (resolved on the worker). */
  webhook: string;
  /** The events this webhook wants. */
  on: string[];
}

export interface NotifyInput {
  webhooks: NotifyWebhook[];
  event: NotifyEvent;
  service: string;
  version: string;
  owner: string;
  runbook: string;
  region?: string;
  reason: string;
  /** The command to resume/approve, e.g. `firebreak retry checkout --region eu-west-1`. */
  command: string;
  workflowId: string;
}

export interface NotifyFailure {
  /** The webhook with its secrets redacted: origin only, plus the ${VAR} it came from. */
  webhook: string;
  error: string;
  attempts: number;
}

export interface NotifyResult {
  /** Webhooks that accepted the message (2xx). */
  delivered: number;
  failed: NotifyFailure[];
}

export interface NotifyDeps {
  /** Where ${VAR} is read; default the worker's process.env. */
  env?: NodeJS.ProcessEnv;
  /** Hard limit of one POST; default NOTIFY_POST_TIMEOUT_MS (src/domain/notify-limits.ts). */
  timeoutMs?: number;
  /** Attempts per webhook; default 3. */
  attempts?: number;
  /** Backoff before the 2nd attempt, doubled for the 3rd; default 250 ms. */
  backoffMs?: number;
}

/** One webhook's share of a notification: the template (may hold ${VAR}) and the facts. */
export type NotifyWebhookInput = Omit<NotifyInput, 'webhooks'> & { webhook: string };


const TITLES: Record<NotifyEvent, string> = {
  paused: 'paused',
  rolled_back: 'rolled back',
  awaiting_approval: 'is awaiting approval',
  succeeded: 'succeeded',
  aborted: 'aborted',
};

export function createNotifyActivities(deps: NotifyDeps = {}) {
  const env = deps.env ?? process.env;
  const timeoutMs = deps.timeoutMs ?? NOTIFY_POST_TIMEOUT_MS;
  const client = createHttpClient('notify', timeoutMs);
  const attempts = Math.max(1, deps.attempts ?? NOTIFY_ATTEMPTS);
  const backoffMs = deps.backoffMs ?? NOTIFY_BACKOFF_MS;

  return {
    async notify(input: NotifyInput): Promise<NotifyResult> {
      const result: NotifyResult = { delivered: 0, failed: [] };
      try {
        const body = JSON.stringify(notifyPayload(input));
        const cancel = cancellationSignal();
        const targets = (input.webhooks ?? []).filter((w) => Array.isArray(w.on) && w.on.includes(input.event));
        const outcomes = await Promise.all(targets.map((w) => deliver(w.webhook, body, cancel, input)));
        for (const o of outcomes) {
          if (o.ok) result.delivered += 1;
          else result.failed.push({ webhook: o.label, error: o.error, attempts: o.attempts });
        }
      } catch (err) {
        // Never throw: a notification must not fail (or retry) the workflow's activity.
        result.failed.push({ webhook: '(all)', error: `notify failed: ${describe(err)}`, attempts: 0 });
      }
      return result;
    },

    /** One POST; throws to be retried by the workflow's policy. Resolves to the redacted webhook. */
    async notifyWebhook(input: NotifyWebhookInput): Promise<{ webhook: string }> {
      const cancel = cancellationSignal();
      const target = resolve(input.webhook, input);
      if (!target.ok) throw ApplicationFailure.create({ message: `${target.label}: ${target.error}`, type: target.type, nonRetryable: true });
      const { url, label, clean } = target;
      let answer;
      try {
        answer = await postOnce(url, JSON.stringify(notifyPayload(input)), cancel);
      } catch (err) {
        if (cancel?.aborted) throw cancelled(cancel, `notification to ${label}`);
        throw ApplicationFailure.create({ message: clean(`${label}: ${describe(err)}`), type: FailureType.NotifyFailed, nonRetryable: false });
      }
      if (answer.ok) return { webhook: label };
      const message = clean(`${label}: HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`);
      throw ApplicationFailure.create({ message, type: isRetryableStatus(answer.status) ? FailureType.NotifyFailed : FailureType.NotifyRefused, nonRetryable: !isRetryableStatus(answer.status) });
    },
  };

  /** One POST of the notification's body: the answer, or a thrown network error. */
  function postOnce(url: string, body: string, signal: AbortSignal | undefined) {
    return send(client, { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
  }

  /** The webhook's URL on this worker, its redacted label, and a redactor for error text. */
  function resolve(
    template: string,
    input: Omit<NotifyInput, 'webhooks'>,
  ):
    | { ok: true; url: string; label: string; clean: (text: string) => string }
    | { ok: false; label: string; error: string; attempts: 0; type: typeof FailureType.MissingEnv | typeof FailureType.NotifyRefused } {
    // The Renderer remembers every secret it resolved, so errors can be redacted.
    const renderer = new Renderer({ service: input.service, region: input.region ?? '', version: input.version, deployId: input.workflowId }, env);
    let url: string;
    try {
      url = renderer.render(template);
    } catch (err) {
      // Only an unset ${VAR} fails rendering: a worker misconfiguration no retry fixes.
      return { ok: false, label: redactWebhook(template, undefined), error: describe(err), attempts: 0, type: FailureType.MissingEnv };
    }
    const label = redactWebhook(template, url);
    try {
      new URL(url);
    } catch {
      return { ok: false, label, error: 'not a valid URL', attempts: 0, type: FailureType.NotifyRefused };
    }
    return { ok: true, url, label, clean: (text: string) => renderer.redact(text).split(url).join(label) };
  }

  async function deliver(
    template: string,
    body: string,
    cancel: AbortSignal | undefined,
    input: NotifyInput,
  ): Promise<{ ok: true } | { ok: false; label: string; error: string; attempts: number }> {
    const target = resolve(template, input);
    if (!target.ok) return target;
    const { url, label, clean } = target;
    let error = '';
    let tried = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (cancel?.aborted) break;
      tried = attempt;
      try {
        const res = await postOnce(url, body, cancel);
        if (res.ok) return { ok: true };
        error = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
        if (!isRetryableStatus(res.status)) break;
      } catch (err) {
        if (cancel?.aborted) break;
        error = describe(err);
      }
      // Cancellation cuts the backoff short (and the loop then stops): resolve, never throw.
      if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal: cancel }).catch(() => undefined);
    }
    return { ok: false, label, error: clean(error || 'cancelled'), attempts: tried };
  }
}

/**
 * A webhook as it may be shown (in results, logs, history): the origin only — the path and
 * query of a webhook URL are its secret — plus the ${VAR} it was read from.
 */
export function redactWebhook(template: string, resolved: string | undefined): string {
  const vars = envRefNames(template).map((name) => `\${${name}}`);
  const from = vars.length ? ` (${vars.join(', ')})` : '';
  try {
    const u = new URL(resolved ?? template);
    const hidden = u.pathname !== '/' || u.search || u.hash ? '/…' : '';
    return `${u.protocol}//${u.host}${hidden}${from}`;
  } catch {
    return vars.length ? vars.join('') : '(invalid webhook URL)';
  }
}

/** The JSON body: Slack's `text` and `blocks`, and the same facts structured under `firebreak`. */
export function notifyPayload(i: Omit<NotifyInput, 'webhooks'>) {
  const what = `${i.service} ${i.version} ${TITLES[i.event] ?? i.event}${i.region ? ` in ${i.region}` : ''}`;
  const action = i.event === 'awaiting_approval' ? 'To approve' : i.event === 'paused' ? 'To resume' : 'Next';
  const text =
    `${what}: ${i.reason}. Owner: ${i.owner}.` +
    (i.command ? ` ${action}: ${i.command}` : '') +
    ` Runbook: ${i.runbook}`;
  const lines = [
    `*${esc(what)}*`,
    `>${esc(i.reason)}`,
    `*Owner:* ${esc(i.owner)}`,
    ...(i.command ? [`*${action}:* \`${esc(i.command)}\``] : []),
    `*Runbook:* <${i.runbook}|${esc(i.runbook)}>`,
  ];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Firebreak · workflow \`${esc(i.workflowId)}\`` }] },
    ],
    firebreak: {
      event: i.event,
      service: i.service,
      version: i.version,
      owner: i.owner,
      runbook: i.runbook,
      ...(i.region ? { region: i.region } : {}),
      reason: i.reason,
      command: i.command,
      workflowId: i.workflowId,
    },
  };
}

/** Slack mrkdwn: &, < and > are control characters. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // called outside an activity (tests)
  }
}
