// The command adapter: runs the pipeline's argv (helm, kubectl, argocd ...) per region.
//
// THE COMMAND MUST BE IDEMPOTENT. A worker can die mid-deploy and Temporal then runs the same
// step again; Firebreak cannot know how far the first run got. `helm upgrade --install`,
// `kubectl apply` and `argocd app sync` converge to the same state when repeated; a script that
// e.g. increments a counter or creates a new release name each time does not. The step's key is
// passed as FIREBREAK_IDEMPOTENCY_KEY for commands that can use it.
//
// Argv is run with spawn and never through a shell: template values and ${VAR} secrets arrive
// as single, verbatim arguments, so a region name or token can never inject a command.
import { spawn } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import { cancelled } from '../../src/domain/cancelled.js';
import { formatDuration } from '../../src/domain/pipeline/duration.js';
import type { Deploy } from '../../src/domain/pipeline/schema.js';
import type { Target } from '../../src/domain/target.js';
import { Renderer, fillTemplates } from '../templates.js';
import type { Heartbeat, RegionAdapter } from './region-adapter.js';
import { FailureType } from '../../src/domain/failures.js';
import { deployTimeoutMs } from '../../src/domain/pipeline/deploy-timeout.js';

/** `current` only reads a version: it gets at most a minute, whatever the deploy timeout. */
const CURRENT_TIMEOUT_MS = 60_000;
const TAIL_CHARS = 3072;
/** stderr is also kept on its own: two pipes arrive in no fixed order, and the error is there. */
const STDERR_CHARS = 1024;
const HEARTBEAT_MS = 1000;

export interface CommandOptions {
  /** How long a command gets to exit after SIGTERM before SIGKILL. */
  killGraceMs?: number;
}

export interface RunResult {
  code: number | null;
  /** The end of stderr alone (twice STDERR_CHARS, cut after redaction like tail). */
  errTail?: string;
  /** The signal that ended the process, when one did. */
  signal: NodeJS.Signals | null;
  /**
   * The end of stdout and stderr, interleaved as they arrived: twice TAIL_CHARS, so the caller
   * can redact secrets first and cut to TAIL_CHARS after (cutting first could leave half a
   * secret that redaction no longer recognises).
   */
  tail: string;
  stdout: string;
  timedOut: boolean;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  signal?: AbortSignal;
  onTick?: () => void;
  /** What the command is, in a cancellation's message; default 'deploy command'. */
  label?: string;
}

/**
 * Run argv to completion. Never rejects for a failing command (the caller judges the result);
 * rejects when the program cannot be started, or with a CancelledFailure when `signal` aborts
 * (after the process was killed).
 */
export function runArgv(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    // detached: the command gets its own process group, so a timeout or cancel also ends what it
    // spawned (helm plugins, kubectl port-forwards) instead of leaving them running.
    const child = spawn(program, args, {
      shell: false,
      detached: process.platform !== 'win32',
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    let errTail = '';
    let stdout = '';
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const append = (chunk: string, isStdout: boolean) => {
      tail = (tail + chunk).slice(-2 * TAIL_CHARS);
      if (!isStdout) errTail = (errTail + chunk).slice(-2 * STDERR_CHARS);
      if (isStdout && stdout.length < 1_000_000) stdout += chunk;
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => append(c, true));
    child.stderr.setEncoding('utf8').on('data', (c: string) => append(c, false));

    const kill = () => {
      if (killTimer || child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child.pid, child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, child, 'SIGKILL'), opts.killGraceMs);
      killTimer.unref();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const ticker = opts.onTick ? setInterval(opts.onTick, HEARTBEAT_MS) : undefined;
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (result: RunResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (ticker) clearInterval(ticker);
      opts.signal?.removeEventListener('abort', onAbort);
      if (result instanceof Error) return reject(result);
      if (opts.signal?.aborted) return reject(cancelled(opts.signal, opts.label ?? 'deploy command'));
      resolve(result);
    };
    child.on('error', (err) => finish(err));
    child.on('exit', (code, signal) => {
      // 'close' waits for stdio; a grandchild that inherited stdout could hold it open forever.
      const drain = setTimeout(() => finish({ code, signal, tail, errTail, stdout, timedOut }), 1000);
      drain.unref();
      child.on('close', () => {
        clearTimeout(drain);
        finish({ code, signal, tail, errTail, stdout, timedOut });
      });
    });
    if (opts.signal?.aborted) kill();
  });
}

function signalGroup(pid: number | undefined, child: { kill(s: NodeJS.Signals): boolean }, sig: NodeJS.Signals) {
  try {
    if (pid !== undefined && process.platform !== 'win32') process.kill(-pid, sig);
    else child.kill(sig);
  } catch {
    // Already gone: nothing to kill.
  }
}

export class CommandAdapter implements RegionAdapter {
  private readonly timeoutMs: number;
  private readonly killGraceMs: number;

  constructor(
    private readonly config: Deploy,
    private readonly env: NodeJS.ProcessEnv = process.env,
    opts: CommandOptions = {},
  ) {
    this.timeoutMs = deployTimeoutMs(config);
    this.killGraceMs = opts.killGraceMs ?? 5000;
  }

  async current(target: Target, signal?: AbortSignal): Promise<string | null> {
    if (!this.config.current) return null;
    const r = new Renderer(target, this.env);
    try {
      const argv = r.argv(this.config.current);
      const result = await runArgv(argv, {
        env: this.childEnv(target),
        timeoutMs: Math.min(this.timeoutMs, CURRENT_TIMEOUT_MS),
        killGraceMs: this.killGraceMs,
        signal,
      });
      if (result.code !== 0 || result.timedOut) {
        // Retryable: reading a version fails for transient reasons (API server blips). A region
        // that runs nothing should make `current` print nothing and exit 0 (kubectl
        // --ignore-not-found), which is the null below, not this error.
        throw ApplicationFailure.retryable(
          `${outcome(shown(this.config.current, target), result, Math.min(this.timeoutMs, CURRENT_TIMEOUT_MS))} while reading the current version in ${target.region}${tailText(r, result.tail, result.errTail)}`,
          FailureType.CurrentVersionFailed,
        );
      }
      const version = result.stdout.trim();
      return version === '' ? null : version;
    } catch (err) {
      throw r.redactError(asStartFailure(err, FailureType.CurrentVersionFailed));
    }
  }

  async deploy(target: Target, key: string, signal: AbortSignal, heartbeat: Heartbeat): Promise<void> {
    if (!this.config.command) throw new Error('the command adapter needs deploy.command');
    const r = new Renderer(target, this.env);
    try {
      const argv = r.argv(this.config.command);
      heartbeat();
      const result = await runArgv(argv, {
        env: this.childEnv(target, key),
        timeoutMs: this.timeoutMs,
        killGraceMs: this.killGraceMs,
        signal,
        onTick: () => heartbeat(),
      });
      if (result.code === 0 && !result.timedOut) return;
      throw ApplicationFailure.nonRetryable(
        `deploy of ${target.version} to ${target.region}: ${outcome(shown(this.config.command, target), result, this.timeoutMs)}${tailText(r, result.tail, result.errTail)}`,
        FailureType.DeployFailed,
      );
    } catch (err) {
      throw r.redactError(asStartFailure(err, FailureType.DeployFailed));
    }
  }

  private childEnv(target: Target, key?: string): NodeJS.ProcessEnv {
    return {
      ...this.env,
      FIREBREAK_SERVICE: target.service,
      FIREBREAK_REGION: target.region,
      FIREBREAK_VERSION: target.version,
      FIREBREAK_DEPLOY_ID: target.deployId,
      ...(key === undefined ? {} : { FIREBREAK_IDEMPOTENCY_KEY: key }),
    };
  }
}

/** A program that cannot be started (ENOENT, EACCES) will not start on retry either. */
function asStartFailure(err: unknown, type: string): unknown {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    return ApplicationFailure.nonRetryable(`cannot run the command: ${err.message}`, type);
  }
  return err;
}

/** The command as the pipeline wrote it, templates filled but ${VAR} left unresolved: no secrets. */
function shown(argv: readonly string[], target: Target): string {
  const text = argv.map((a) => fillTemplates(a, target)).join(' ');
  return `\`${text.length > 200 ? `${text.slice(0, 200)}...` : text}\``;
}

function outcome(cmd: string, r: RunResult, timeoutMs: number): string {
  if (r.timedOut) return `${cmd} timed out after ${formatDuration(timeoutMs)} and was killed`;
  if (r.code === null) return `${cmd} was killed by ${r.signal ?? 'a signal'}`;
  return `${cmd} exited with code ${r.code}`;
}

function tailText(r: Renderer, tail: string, errTail = ''): string {
  const t = r.redact(tail).slice(-TAIL_CHARS).trimEnd();
  const e = r.redact(errTail).slice(-STDERR_CHARS).trim();
  const err = e && !t.includes(e) ? `\n--- last stderr ---\n${e}` : '';
  return t ? `\n--- last output ---\n${t}${err}` : ' (no output)';
}
