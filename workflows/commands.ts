// Operator commands (docs/temporal.md): one validator (DeployState.whyNot*) and one effect per command,
// shared by the Signal (durable, needs no worker) and the Update of the same name (validated
// synchronously, answers with the status). Also: unknown commands are recorded, and a deploy
// left paused too long is aborted.
import {
  ApplicationFailure,
  condition,
  setDefaultSignalHandler,
  setDefaultUpdateHandler,
  setHandler,
} from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { FailureType } from '../src/domain/failures.js';
import { formatDuration } from '../src/domain/pipeline/duration.js';
import { COMMANDS, claimedBy, parseCommandInput, shorten, type Command, type CommandInput, type Parsed } from './inputs.js';
import { commandSignals, commandUpdates, statusQuery, type DeployStatus } from './messages.js';
import { describeMessage } from './reserved-names.js';
import type { DeployRun } from './run.js';

/** What each accepted command does. */
export type CommandEffects = { [C in Command]: (input: CommandInput<C>) => void };

export function commandEffects(run: DeployRun): CommandEffects {
  const { state } = run;
  return {
    pause(input) {
      state.manualPause = { reason: input?.reason || 'no reason given', by: input?.by };
      state.record('paused', `paused: ${state.manualPause.reason}`, { by: input?.by });
    },
    resume(input) {
      state.record('resumed', `resumed (was: ${state.manualPause?.reason})`, { by: input?.by });
      state.manualPause = undefined;
    },
    approve(input) {
      const regions = input?.region ? [input.region] : state.awaitingApproval();
      for (const region of regions) {
        state.approvals.set(region, input?.by);
        state.holds.delete(region);
        state.record('approved', `${region} approved`, { by: input?.by, region });
      }
    },
    retry(input) {
      state.retries.add(input.region);
      state.holds.delete(input.region);
      state.record('retry', `retry of ${input.region} requested`, { by: input.by, region: input.region });
    },
    abort(input) {
      state.abortRequest = { ...input, rollback: input?.rollback ?? run.plan.rollback.onAbort };
      state.record('abort', `abort requested (rollback: ${state.abortRequest.rollback}): ${input?.reason || 'no reason given'}`, {
        by: input?.by,
      });
      run.rollout?.cancel();
    },
  };
}

/** Sets the handlers of every command (signal and update), of unknown ones, and of the status query. */
export function listenForCommands(run: DeployRun, effects: CommandEffects): void {
  for (const command of COMMANDS) listenFor(run, effects, command);
  setDefaultSignalHandler((name, ...args) => {
    run.state.record('ignored', unknownMessage('signal', name), { by: claimedBy(args) });
    run.publish();
  });
  setDefaultUpdateHandler((name, ...args) => {
    // No validator can be set here: the update is accepted, recorded, and fails with the reason.
    const message = unknownMessage('update', name);
    run.state.record('ignored', message, { by: claimedBy(args) });
    run.publish();
    throw ApplicationFailure.nonRetryable(message, FailureType.CommandRefused);
  });
  setHandler(statusQuery, () => run.status);
}

function listenFor<C extends Command>(run: DeployRun, effects: CommandEffects, command: C): void {
  const { state } = run;
  const effect: (input: CommandInput<C>) => void = effects[command];
  const signal: SignalDefinition<[CommandInput<C>]> = commandSignals[command];
  const update: UpdateDefinition<DeployStatus, [CommandInput<C>]> = commandUpdates[command];
  setHandler(signal, (...args: unknown[]) => {
    const verdict = judge(run, command, args);
    if (verdict.ok) effect(verdict.input);
    else state.record('ignored', `${command} signal ignored: ${verdict.reason}`, { by: claimedBy(args) });
    run.publish();
  });
  setHandler(
    update,
    async (...args: unknown[]): Promise<DeployStatus> => {
      const verdict = judge(run, command, args);
      // Unreachable after the validator (nothing runs between them), but never trust a payload.
      if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, FailureType.CommandRefused);
      effect(verdict.input);
      run.publish();
      // An abort answers once its rollbacks are done, so the caller sees the final state.
      if (command === 'abort') await condition(() => state.isTerminal());
      return run.status;
    },
    {
      // Synchronous, and it throws: a refused update is rejected before it reaches history.
      validator: (...args: unknown[]) => {
        const verdict = judge(run, command, args);
        if (!verdict.ok) throw new Error(verdict.reason);
      },
    },
  );
}

/** The command's input if its shape is right and it makes sense now, else the reason. */
function judge<C extends Command>(run: DeployRun, command: C, args: unknown[]): Parsed<CommandInput<C>> {
  const parsed = parseCommandInput(command, args);
  if (!parsed.ok) return parsed;
  const reason = whyNot(run, command, parsed.input);
  return reason ? { ok: false, reason } : parsed;
}

function whyNot<C extends Command>(run: DeployRun, command: C, input: CommandInput<C>): string | undefined {
  const { state } = run;
  const validators: { [K in Command]: (input: CommandInput<K>) => string | undefined } = {
    pause: (i) => state.whyNotPause(i),
    resume: (i) => state.whyNotResume(i),
    approve: (i) => state.whyNotApprove(i),
    retry: (i) => state.whyNotRetry(i),
    abort: (i) => state.whyNotAbort(i),
  };
  const validator: (input: CommandInput<C>) => string | undefined = validators[command];
  return validator(input);
}

/** A typo'd command name is recorded, not silently buffered forever. */
function unknownMessage(kind: 'signal' | 'update', sent: string): string {
  const { name, problem } = describeMessage(sent);
  const quoted = JSON.stringify(shorten(name));
  return problem === 'undecodable'
    ? `${kind} ${quoted} ignored: its input could not be decoded; send JSON, like --input '{"by":"..."}'`
    : `unknown ${kind} ${quoted} ignored: the commands are ${COMMANDS.join(', ')}`;
}

/** A deploy left paused longer than pauseTimeout is aborted, never left hanging forever. */
export function abortWhenPausedTooLong(run: DeployRun, effects: CommandEffects): void {
  const { plan, state, status } = run;
  void (async () => {
    for (;;) {
      // A freeze alone is no pause that times out: it ends by itself or by an unfreeze.
      await condition(() => (status.phase === 'paused' && !state.onlyFrozen()) || state.isTerminal());
      if (state.isTerminal()) return;
      const moved = await condition(() => status.phase !== 'paused' || state.onlyFrozen() || state.isTerminal(), plan.pauseTimeoutMs);
      if (!moved && !state.abortRequest) {
        effects.abort({
          reason: `paused for longer than pauseTimeout (${formatDuration(plan.pauseTimeoutMs)})`,
          by: 'firebreak',
          rollback: plan.rollback.onAbort,
        });
        run.publish();
      }
    }
  })();
}
