// Command checks: run a program (a smoke test, a probe script) per evaluation. The value is its
// exit code: 0 passes (the threshold is an implicit `== 0`); a failing exit or a timeout is a
// text naming it with the end of its output, so the breach reason says what went wrong.
// Spawned like the command deploy adapter (argv, no shell, own process group killed on
// timeout or cancel): runArgv is that adapter's runner.
import type { Check } from '../../src/domain/pipeline/schema.js';
import { parseDuration, formatDuration } from '../../src/domain/pipeline/duration.js';
import { CHECK_REQUEST_TIMEOUT_MS } from '../../src/domain/limits.js';
import type { Target } from '../../src/domain/target.js';
import type { CheckProvider, CheckValue, EvaluateOptions } from '../../src/domain/soak/provider.js';
import { Renderer } from '../templates.js';
import { runArgv } from '../deploy/command.js';

/** The end of the output a breach quotes: enough for the last error lines, short in a status. */
const OUTPUT_CHARS = 300;
/** A command that ignores SIGTERM gets this long before SIGKILL, inside the evaluation's cap. */
const KILL_GRACE_MS = 1000;

export class CommandCheckProvider implements CheckProvider {
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: { env?: NodeJS.ProcessEnv } = {}) {
    this.env = opts.env ?? process.env;
  }

  async evaluate(check: Check, target: Target, opts: EvaluateOptions = {}): Promise<CheckValue> {
    if (!check.command) throw new Error(`check ${check.name} has no command`);
    // The schema keeps timeout within the cap; the cap is applied again for a plan from history.
    const timeoutMs = Math.min(parseDuration(check.command.timeout) ?? CHECK_REQUEST_TIMEOUT_MS, CHECK_REQUEST_TIMEOUT_MS);
    const r = new Renderer(target, this.env);
    try {
      const result = await runArgv(r.argv(check.command.argv), { env: this.env, timeoutMs, killGraceMs: KILL_GRACE_MS, signal: opts.signal, label: `check ${check.name}` });
      if (result.code === 0 && !result.timedOut) return 0;
      const how = result.timedOut
        ? `timed out after ${formatDuration(timeoutMs)} and was killed`
        : result.code === null
          ? `killed by ${result.signal ?? 'a signal'}`
          : `exit code ${result.code}`;
      // Redact before cutting: a cut secret would no longer be recognised.
      const output = r.redact(result.tail).trim().slice(-OUTPUT_CHARS);
      return `${how}${output ? `: ${output}` : ' (no output)'}`;
    } catch (err) {
      // The program cannot be started (ENOENT, EACCES) or a ${VAR} is unset: no data, named.
      throw r.redactError(err);
    }
  }
}
