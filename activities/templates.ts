// Templates and worker-side secrets (docs/pipeline.md). {{region}}-style templates are filled from the
// deploy target; ${VAR} is read from the worker's environment. ${VAR} is resolved here only,
// inside activities, so a secret never enters workflow history: not in inputs, results, or
// the failure messages we throw (redact() puts `${VAR}` back in their place).
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Target } from '../src/domain/target.js';
import { describe } from '../src/domain/describe.js';
export { describe };
import { FailureType } from '../src/domain/failures.js';
import { ENV_REF } from '../src/domain/pipeline/env-ref.js';

const TEMPLATE = /\{\{\s*(region|version|service|deployId)\s*\}\}/g;
/**
 * Values shorter than this are not redacted: a 1-3 character value cannot be a meaningful
 * secret, and replacing every "1" or "on" in an error message would garble it beyond use.
 */
const MIN_REDACT_LENGTH = 4;

/** Fill {{region}}, {{version}}, {{service}}, {{deployId}}; the schema refuses any other name. */
export function fillTemplates(s: string, target: Target): string {
  return s.replace(TEMPLATE, (_, name: keyof Target) => target[name]);
}

/**
 * Replace each ${VAR} with its value from the worker environment. An unset (or empty) variable
 * is a worker misconfiguration that no retry will fix: a non-retryable MissingEnv failure
 * naming the variable (never a value). `onResolved` learns each value used, for redaction.
 */
export function resolveEnv(
  s: string,
  env: NodeJS.ProcessEnv = process.env,
  onResolved?: (name: string, value: string) => void,
): string {
  return s.replace(ENV_REF, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw ApplicationFailure.nonRetryable(
        `environment variable ${name} is not set on the worker (referenced as \${${name}})`,
        FailureType.MissingEnv,
      );
    }
    onResolved?.(name, value);
    return value;
  });
}

/** Templates, then ${VAR}: a value from the environment is never itself treated as a template. */
export function render(s: string, target: Target, env: NodeJS.ProcessEnv = process.env): string {
  return resolveEnv(fillTemplates(s, target), env);
}

/**
 * One rendering scope (one activity call): renders strings, records and argv for a target and
 * remembers every secret it resolved, so the errors of that call can be redacted.
 */
export class Renderer {
  /** value -> variable name, for every ${VAR} resolved so far. */
  private readonly secrets = new Map<string, string>();

  constructor(
    readonly target: Target,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  render(s: string): string {
    return resolveEnv(fillTemplates(s, this.target), this.env, (name, value) => this.secrets.set(value, name));
  }

  record(rec: Record<string, string> | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec ?? {})) out[k] = this.render(v);
    return out;
  }

  argv(args: readonly string[]): string[] {
    return args.map((a) => this.render(a));
  }

  /** Render every string inside a JSON-like value (a request body); other values as they are. */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.render(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)]));
    }
    return value;
  }

  /** Text with every resolved secret value replaced by its `${VAR}` reference. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /**
   * An error safe to throw back to the workflow: message redacted, same failure type and
   * retryability, and no `cause` chain (a cause could carry a URL or header with a secret).
   */
  redactError(err: unknown): Error {
    if (err instanceof ApplicationFailure) {
      const message = this.redact(describe(err));
      if (message === err.message && !err.cause) return err;
      return ApplicationFailure.create({ message, type: err.type ?? undefined, nonRetryable: err.nonRetryable ?? undefined });
    }
    if (err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError')) return err;
    return ApplicationFailure.create({ message: this.redact(describe(err)), type: errorType(err) });
  }
}

/** Replace each secret value (longest first, so overlapping values redact whole). */
export function redact(text: string, secrets: ReadonlyMap<string, string>): string {
  const values = [...secrets.keys()].filter((v) => v.length >= MIN_REDACT_LENGTH).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join(`\${${secrets.get(value)}}`);
  return out;
}

function errorType(err: unknown): string {
  // HttpTimeout (activities/http/failures.ts); HttpUnreachable is already 'NetworkError'.
  if (err instanceof Error && err.name === 'TimeoutError') return 'Timeout';
  return err instanceof Error ? err.name || 'Error' : 'Error';
}
