// multiRegionDeploy: the state machine of one deploy (SPEC §3). Stages run in plan order; the
// regions of a stage (a wave) run in parallel: deploy, soak watched by the checks, gate, promote.
// A failed region is rolled back and holds its stage (so every later stage) until `retry` or
// `abort`. Deterministic code only: everything that touches the world is an activity.
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  patched,
  setDefaultSignalHandler,
  setDefaultUpdateHandler,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  ActivityCancellationType,
} from '@temporalio/workflow';
import type { Activities, MigrationStep, NotifyInput, Target, WatchResult, WatchTally } from '../activities/types.js';
import { contractSteps, downSteps, expandSteps } from '../src/migrations/phases.js';
import type { PlanRegion, Stage } from '../src/pipeline/plan.js';
import {
  abortSignal,
  abortUpdate,
  approveSignal,
  approveUpdate,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  retrySignal,
  retryUpdate,
  statusQuery,
  type AbortInput,
  type AbortScope,
  type ApproveInput,
  type DeployInput,
  type DeployStatus,
  type PauseInput,
  type RegionStatus,
  type ResumeInput,
  type RetryInput,
  type StageStatus,
} from './messages.js';
import { describeMessage } from './reserved-names.js';
import { COMMANDS, claimedBy, parseCommandInput, shorten, type Command, type CommandInput, type Parsed } from './inputs.js';
import { FirebreakOwner, FirebreakPhase, FirebreakRegion, FirebreakService, FirebreakVersion } from './search-attributes.js';
import { DeployState } from './state.js';
import { detailsMarkdown } from './details.js';
import { formatDuration, parseDuration } from '../src/pipeline/duration.js';
import { describeWindows, nextOpen } from '../src/pipeline/windows.js';
import { NOTIFY_ACTIVITY_TIMEOUT_MS } from '../src/notify/limits.js';
import { DEPLOY_HEARTBEAT_TIMEOUT_MS, MIGRATE_HEARTBEAT_TIMEOUT_MS, WATCH_HEARTBEAT_TIMEOUT_MS } from '../activities/limits.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

/** Marks histories whose soaks extend for missing samples (before it: no_data paused at once). */
const SOAK_BAKE_PATCH = 'soak-bake';
const NON_RETRYABLE = ['DeployFailed', 'MissingEnv'];

/** Internal: raised inside the rollout scope when rollback.onFailure is `all`. */
class RollbackAll extends Error {}
/** Internal: a migration failed; the deploy ends `failed` (a person must look at the database). */
class MigrationFailed extends Error {}

export async function multiRegionDeploy(input: DeployInput): Promise<DeployStatus> {
  const { plan } = input;
  const info = workflowInfo();
  const deployId = `${info.workflowId}/${info.runId}`;
  const st = new DeployState(plan, () => new Date());
  const s = st.status;

  // --- publishing: search attributes only change when their value does (bounded history) ---
  let published = { phase: '', region: '' };
  const publish = () => {
    st.refreshPhase();
    const inFlight = s.stages[s.currentStage]?.regions
      .filter((r) => r.state !== 'pending' && r.state !== 'promoted')
      .map((r) => r.name)
      .join(',') ?? '';
    if (s.phase === 'paused' && published.phase !== 'paused') {
      const held = [...st.holds.entries()][0];
      const command = held
        ? held[1].kind === 'inconclusive'
          ? `firebreak approve ${svc} --region ${held[0]}  (or retry, or abort)`
          : `firebreak retry ${svc} --region ${held[0]}  (or abort)`
        : `firebreak resume ${svc}`;
      notify('paused', s.pausedReason ?? 'paused', command, held?.[0]);
    }
    if (s.phase !== published.phase || inFlight !== published.region) {
      upsertSearchAttributes([
        { key: FirebreakPhase, value: s.phase },
        { key: FirebreakRegion, value: inFlight || null },
      ]);
      published = { phase: s.phase, region: inFlight };
    }
    setCurrentDetails(detailsMarkdown(s));
  };
  upsertSearchAttributes([
    { key: FirebreakService, value: plan.service },
    { key: FirebreakVersion, value: plan.version },
    { key: FirebreakOwner, value: plan.owner },
  ]);
  st.record('started', `deploy of ${plan.service} ${plan.version} started: ${plan.stages.map((x) => x.regions.map((r) => r.name).join('+')).join(' > ')}`, {
    by: input.startedBy,
  });
  publish();

  // --- operator commands: one validator and one effect, shared by the signal and the update ---
  let rollout: CancellationScope | undefined;
  let rollbackAll: string | undefined;
  const apply = {
    pause(i: PauseInput) {
      st.manualPause = { reason: i?.reason || 'no reason given', by: i?.by };
      st.record('paused', `paused: ${st.manualPause.reason}`, { by: i?.by });
    },
    resume(i: ResumeInput) {
      st.record('resumed', `resumed (was: ${st.manualPause?.reason})`, { by: i?.by });
      st.manualPause = undefined;
    },
    approve(i: ApproveInput) {
      const regions = i?.region ? [i.region] : st.awaitingApproval();
      for (const region of regions) {
        st.approvals.set(region, i?.by);
        st.holds.delete(region);
        st.record('approved', `${region} approved`, { by: i?.by, region });
      }
    },
    retry(i: RetryInput) {
      st.retries.add(i.region);
      st.holds.delete(i.region);
      st.record('retry', `retry of ${i.region} requested`, { by: i.by, region: i.region });
    },
    abort(i: AbortInput) {
      st.abortRequest = { ...i, rollback: i?.rollback ?? (plan.rollback.onAbort as AbortScope) };
      st.record('abort', `abort requested (rollback: ${st.abortRequest.rollback}): ${i?.reason || 'no reason given'}`, {
        by: i?.by,
      });
      rollout?.cancel();
    },
  };
  const why = {
    pause: (i: PauseInput) => st.whyNotPause(i),
    resume: (i: ResumeInput) => st.whyNotResume(i),
    approve: (i: ApproveInput) => st.whyNotApprove(i),
    retry: (i: RetryInput) => st.whyNotRetry(i),
    abort: (i: AbortInput) => st.whyNotAbort(i),
  };
  /** The command's input if its shape is right and it makes sense now, else the reason. */
  const judge = <C extends Command>(cmd: C, args: unknown[]): Parsed<CommandInput<C>> => {
    const parsed = parseCommandInput(cmd, args);
    if (!parsed.ok) return parsed;
    const reason = (why[cmd] as (x: CommandInput<C>) => string | undefined)(parsed.input);
    return reason ? { ok: false, reason } : parsed;
  };
  const viaSignal =
    <C extends Command>(cmd: C) =>
    (...args: unknown[]) => {
      const verdict = judge(cmd, args);
      if (verdict.ok) (apply[cmd] as (x: CommandInput<C>) => void)(verdict.input);
      else st.record('ignored', `${cmd} signal ignored: ${verdict.reason}`, { by: claimedBy(args) });
      publish();
    };
  const viaUpdate = <C extends Command>(cmd: C) => ({
    // Synchronous, and it throws: a refused update is rejected before it reaches history.
    validator: (...args: unknown[]) => {
      const verdict = judge(cmd, args);
      if (!verdict.ok) throw new Error(verdict.reason);
    },
    handler: async (...args: unknown[]): Promise<DeployStatus> => {
      const verdict = judge(cmd, args);
      // Unreachable after the validator (nothing runs between them), but never trust a payload.
      if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, 'CommandRefused');
      (apply[cmd] as (x: CommandInput<C>) => void)(verdict.input);
      publish();
      // An abort answers once its rollbacks are done, so the caller sees the final state.
      if (cmd === 'abort') await condition(() => st.isTerminal());
      return s;
    },
  });
  for (const [signal, update] of [
    [pauseSignal, pauseUpdate],
    [resumeSignal, resumeUpdate],
    [approveSignal, approveUpdate],
    [retrySignal, retryUpdate],
    [abortSignal, abortUpdate],
  ] as const) {
    const cmd = signal.name as Command;
    setHandler(signal, viaSignal(cmd));
    const { validator, handler } = viaUpdate(cmd);
    setHandler(update, handler, { validator });
  }
  // A typo'd command name is recorded, not silently buffered forever.
  const known = `the commands are ${COMMANDS.join(', ')}`;
  const unknownMessage = (kind: 'signal' | 'update', sent: string): string => {
    const { name, problem } = describeMessage(sent);
    const quoted = JSON.stringify(shorten(name));
    return problem === 'undecodable'
      ? `${kind} ${quoted} ignored: its input could not be decoded; send JSON, like --input '{"by":"..."}'`
      : `unknown ${kind} ${quoted} ignored: ${known}`;
  };
  setDefaultSignalHandler((name, ...args) => {
    st.record('ignored', unknownMessage('signal', name), { by: claimedBy(args) });
    publish();
  });
  setDefaultUpdateHandler((name, ...args) => {
    // No validator can be set here: the update is accepted, recorded, and fails with the reason.
    const message = unknownMessage('update', name);
    st.record('ignored', message, { by: claimedBy(args) });
    publish();
    throw ApplicationFailure.nonRetryable(message, 'CommandRefused');
  });
  setHandler(statusQuery, () => s);

  // --- pause timeout: a deploy left paused too long is aborted, never left hanging forever ---
  void (async () => {
    for (;;) {
      await condition(() => s.phase === 'paused' || st.isTerminal());
      if (st.isTerminal()) return;
      const moved = await condition(() => s.phase !== 'paused' || st.isTerminal(), plan.pauseTimeoutMs);
      if (!moved && !st.abortRequest) {
        apply.abort({
          reason: `paused for longer than pauseTimeout (${formatDuration(plan.pauseTimeoutMs)})`,
          by: 'firebreak',
          rollback: plan.rollback.onAbort as AbortScope,
        });
        publish();
      }
    }
  })();

  // --- notifications: never block or fail the deploy; waited for only before it ends ---
  const deliveries: Promise<void>[] = [];
  const notify = (event: NotifyInput['event'], reason: string, command: string, region?: string) => {
    if (!plan.notify.some((n) => n.on.includes(event))) return;
    const input: NotifyInput = {
      webhooks: plan.notify,
      event,
      service: plan.service,
      version: plan.version,
      owner: plan.owner,
      runbook: plan.runbook,
      reason,
      command,
      workflowId: info.workflowId,
      ...(region ? { region } : {}),
    };
    deliveries.push(
      acts.notify
        .executeWithOptions({ summary: `notify ${event}`, startToCloseTimeout: NOTIFY_ACTIVITY_TIMEOUT_MS, retry: { maximumAttempts: 1 } }, [input])
        .then(
          (res) => {
            for (const f of res.failed) st.record('notify_failed', `notification "${event}" to ${f.webhook} failed after ${f.attempts} attempts: ${f.error}`);
          },
          (err) => st.record('notify_failed', `notification "${event}" failed: ${messageOf(err)}`),
        ),
    );
  };
  const svc = plan.service;

  // --- schema migrations (SPEC §6): expand before the first region, contract after the last ---
  s.migrations = [];
  const migrate = async (steps: MigrationStep[], what: string): Promise<void> => {
    if (steps.length === 0) return;
    st.record('migrating', `${what}: ${steps.map((m) => `${m.id} ${m.phase} ${m.direction}`).join(', ')}`);
    publish();
    try {
      const applied = await acts.applyMigrations.executeWithOptions(
        {
          summary: `migrate ${what} (${steps.length})`,
          startToCloseTimeout: '2h',
          heartbeatTimeout: MIGRATE_HEARTBEAT_TIMEOUT_MS,
          retry: { initialInterval: '2s', maximumAttempts: 10, nonRetryableErrorTypes: ['MigrationFailed', 'MigrationChecksumMismatch', 'MissingEnv'] },
        },
        [{ steps, deployId, service: plan.service }],
      );
      for (const a of applied) {
        s.migrations!.push({
          id: a.id,
          phase: a.phase,
          direction: a.direction,
          state: !a.skipped ? 'applied' : a.reason === 'already applied' ? 'already_applied' : 'skipped',
          at: a.appliedAt || new Date().toISOString(),
        });
      }
      st.record('migrated', `${what}: ${applied.map((a) => `${a.id} ${a.phase} ${a.direction} ${a.skipped ? `skipped (${a.reason})` : 'applied'}`).join(', ')}`);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const message = messageOf(err);
      s.migrations!.push({ id: steps[0].id, phase: steps[0].phase, direction: steps[0].direction, state: 'failed', at: new Date().toISOString(), error: message });
      st.record('migration_failed', `${what} failed: ${message}`);
      throw new MigrationFailed(message);
    } finally {
      publish();
    }
  };

  // --- the rollout ---
  const target = (region: string, version: string): Target => ({ service: plan.service, region, version, deployId });
  const key = (region: string, version: string, step: string) => `${deployId}/${region}/${version}/${step}`;

  const deployTo = (r: RegionStatus, version: string, step: string, summary: string) =>
    acts.deployRegion.executeWithOptions(
      {
        summary,
        startToCloseTimeout: (parseDuration(plan.deploy.timeout) ?? 900_000) + 60_000,
        heartbeatTimeout: DEPLOY_HEARTBEAT_TIMEOUT_MS,
        retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      },
      [{ deploy: plan.deploy, target: target(r.name, version), key: key(r.name, version, step) }],
    );

  /** Back to the version the region ran before; false when it has none or the rollback failed. */
  const rollBack = async (r: RegionStatus, why: string): Promise<boolean> => {
    if (!r.fromVersion) {
      st.record('rollback_skipped', `${r.name} has no previous version to roll back to (${why})`, { region: r.name });
      return false;
    }
    r.state = 'rolling_back';
    st.record('rollback_started', `rolling ${r.name} back to ${r.fromVersion}: ${why}`, { region: r.name });
    publish();
    try {
      await deployTo(r, r.fromVersion, `rollback#${r.attempt}`, `rollback ${r.name} to ${r.fromVersion}`);
      r.state = 'rolled_back';
      st.record('rolled_back', `${r.name} rolled back to ${r.fromVersion}`, { region: r.name });
      return true;
    } catch (err) {
      r.state = 'failed';
      r.error = `${r.error ?? why}; rollback to ${r.fromVersion} failed: ${messageOf(err)}`;
      st.record('rollback_failed', `rollback of ${r.name} to ${r.fromVersion} failed: ${messageOf(err)}`, { region: r.name });
      return false;
    } finally {
      publish();
    }
  };

  const failRegion = async (stage: StageStatus, r: RegionStatus, reason: string): Promise<void> => {
    r.state = 'failed';
    r.error = reason;
    stage.gate.state = 'failed';
    st.record('region_failed', `${r.name} failed: ${reason}`, { region: r.name });
    publish();
    if (plan.rollback.onFailure === 'all') {
      rollbackAll = `${r.name} failed: ${reason}`;
      rollout?.cancel();
      throw new RollbackAll(rollbackAll);
    }
    const rolledBack = await rollBack(r, reason);
    if (rolledBack) notify('rolled_back', `${r.name} failed and was rolled back to ${r.fromVersion}: ${reason}`, `firebreak retry ${svc} --region ${r.name}`, r.name);
    st.holds.set(r.name, {
      kind: 'failed',
      reason: rolledBack ? `failed and rolled back to ${r.fromVersion}: ${reason}` : `failed, not rolled back: ${r.error}`,
    });
    publish();
  };

  /** Exposure to more customers happens only inside a window: a durable timer until one opens. */
  const waitForWindow = async (what: string): Promise<void> => {
    if (plan.windows.length === 0) return;
    const now = new Date();
    const opens = nextOpen(plan.windows, now);
    if (opens.getTime() <= now.getTime()) return;
    s.windowOpensAt = opens.toISOString();
    st.record('window_wait', `${what} waits for the window (${describeWindows(plan.windows)}) opening at ${s.windowOpensAt}`);
    publish();
    await sleep(opens.getTime() - now.getTime());
    delete s.windowOpensAt;
    st.record('window_open', `window open: ${what}`);
    publish();
  };

  const watch = (r: RegionStatus, pr: PlanRegion, deadline: number, startedAt: number, extension?: { until: number; resume?: WatchTally }) =>
    acts.watchRegion.executeWithOptions(
      {
        summary: extension ? `soak ${r.name} extended to collect samples` : `soak ${r.name} ${formatDuration(pr.soakMs)}`,
        startToCloseTimeout: (extension?.until ?? deadline) - Date.now() + 5 * 60_000,
        heartbeatTimeout: WATCH_HEARTBEAT_TIMEOUT_MS,
        retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 20 },
        cancellationType: ActivityCancellationType.TRY_CANCEL,
      },
      [{ target: target(r.name, plan.version), gate: pr.gate, deadline, startedAt, ...(extension ?? {}) }],
    );

  /**
   * The soak is a bake, time and evidence: it ends when its time has passed and every check has
   * minSamples. Samples lost to a dead worker or a slow source extend it, up to maxExtension;
   * only then does onNoData apply. A breach during the extension still fails the region.
   */
  const soak = async (r: RegionStatus, pr: PlanRegion): Promise<WatchResult> => {
    const started = Date.now();
    const deadline = started + pr.soakMs;
    r.state = 'soaking';
    r.checks = [];
    delete r.soakExtendedUntil;
    r.soakStartedAt = new Date(started).toISOString();
    r.soakEndsAt = new Date(deadline).toISOString();
    publish();
    const result = await watch(r, pr, deadline, started);
    // Plans from before the bake carry no maxExtensionMs: half the soak, as the schema says.
    const extension = pr.maxExtensionMs ?? Math.round(pr.soakMs / 2);
    if (result.verdict !== 'no_data' || extension <= 0 || !patched(SOAK_BAKE_PATCH)) return result;
    // From when the shortfall is known: a verdict delayed by a lost or busy worker still gets
    // the whole extension to collect what that worker could not.
    const until = Math.max(deadline, Date.now()) + extension;
    r.checks = result.checks;
    r.soakExtendedUntil = new Date(until).toISOString();
    st.record('soak_extended', `${r.name} soak extended until ${r.soakExtendedUntil} to collect samples: ${result.reason}`, { region: r.name });
    publish();
    return watch(r, pr, deadline, started, { until, resume: result.tally });
  };

  /** One attempt at a region: deploy (unless only re-soaking), soak, gate. */
  const attempt = async (stage: StageStatus, r: RegionStatus, pr: PlanRegion, redeploy: boolean): Promise<'promoted' | 'held'> => {
    if (r.fromVersion === undefined) {
      r.fromVersion =
        input.previous ??
        (await acts.currentVersion.executeWithOptions({ summary: `read version ${r.name}`, heartbeatTimeout: WATCH_HEARTBEAT_TIMEOUT_MS }, [
          { deploy: plan.deploy, target: target(r.name, plan.version) },
        ]));
    }
    if (redeploy) {
      r.state = 'deploying';
      delete r.error;
      st.record('deploying', `deploying ${plan.version} to ${r.name} (was ${r.fromVersion ?? 'nothing'})`, { region: r.name });
      publish();
      try {
        await deployTo(r, plan.version, `deploy#${r.attempt}`, `deploy ${r.name} ${plan.version}`);
      } catch (err) {
        if (isCancellation(err)) throw err;
        await failRegion(stage, r, `deploy failed: ${messageOf(err)}`);
        return 'held';
      }
    }
    stage.gate.state = 'watching';
    const verdict = await soak(r, pr);
    r.checks = verdict.checks;
    if (verdict.verdict === 'breach') {
      st.record('breach', verdict.reason, { region: r.name });
      await failRegion(stage, r, verdict.reason);
      return 'held';
    }
    if (verdict.verdict === 'no_data') {
      if (pr.gate.onNoData === 'fail') {
        await failRegion(stage, r, `no data: ${verdict.reason}`);
        return 'held';
      }
      // Inconclusive: never promote on missing data. A person decides: retry re-soaks,
      // approve promotes on their judgement, abort ends the deploy.
      r.state = 'awaiting_approval';
      stage.gate.state = 'inconclusive';
      st.holds.set(r.name, { kind: 'inconclusive', reason: `checks inconclusive: ${verdict.reason}` });
      st.record('inconclusive', `${r.name}: ${verdict.reason}`, { region: r.name });
      publish();
      await condition(() => st.approvals.has(r.name) || st.retries.has(r.name));
      if (st.retries.has(r.name)) return 'held';
    } else if (pr.gate.approval === 'manual') {
      r.state = 'awaiting_approval';
      stage.gate.state = 'awaiting_approval';
      st.record('awaiting_approval', `${r.name} passed its checks; waiting for approval of gate "${pr.gate.name}"`, { region: r.name });
      publish();
      notify('awaiting_approval', `${r.name} passed gate "${pr.gate.name}" and waits for approval`, `firebreak approve ${svc} --region ${r.name}`, r.name);
      await condition(() => st.approvals.has(r.name));
    }
    if (st.approvals.has(r.name)) {
      stage.gate.state = 'approved';
      const by = st.approvals.get(r.name);
      if (by) stage.gate.by = by;
      st.approvals.delete(r.name);
    } else {
      stage.gate.state = 'passed';
    }
    // A manual pause stops promotion, not watching: wait here until resumed.
    if (st.manualPause) {
      publish();
      await condition(() => !st.manualPause);
    }
    await waitForWindow(`promotion of ${r.name}`);
    r.state = 'promoted';
    st.record('promoted', `${r.name} promoted: gate "${pr.gate.name}" ${stage.gate.state}`, { region: r.name, by: stage.gate.by });
    publish();
    return 'promoted';
  };

  const runRegion = async (stage: StageStatus, r: RegionStatus, pr: PlanRegion): Promise<void> => {
    let redeploy = true;
    for (;;) {
      if ((await attempt(stage, r, pr, redeploy)) === 'promoted') return;
      const inconclusive = r.state === 'awaiting_approval';
      await condition(() => st.retries.has(r.name));
      st.retries.delete(r.name);
      r.attempt += 1;
      redeploy = !inconclusive;
    }
  };

  const runStage = async (stage: Stage): Promise<void> => {
    const ss = s.stages[stage.index];
    if (st.manualPause) await condition(() => !st.manualPause);
    await waitForWindow(`stage ${stage.index + 1} (${stage.regions.map((r) => r.name).join(', ')})`);
    s.currentStage = stage.index;
    publish();
    await Promise.all(stage.regions.map((pr, i) => runRegion(ss, ss.regions[i], pr)));
    ss.gate.state = ss.gate.state === 'approved' ? 'approved' : 'passed';
  };

  let outcome: 'succeeded' | 'aborted' | 'rolled_back' | 'failed' = 'succeeded';
  let failure: string | undefined;
  try {
    rollout = new CancellationScope();
    await rollout.run(async () => {
      await migrate(expandSteps(plan.migrations), 'expand');
      for (const stage of plan.stages) await runStage(stage);
      // Every region promoted and soaked: old code is gone everywhere, the contract may run.
      await migrate(contractSteps(plan.migrations), 'contract');
    });
  } catch (err) {
    if (rollbackAll) {
      outcome = 'rolled_back';
      failure = rollbackAll;
    } else if (isCancellation(err) && st.abortRequest) {
      outcome = 'aborted';
    } else if (err instanceof MigrationFailed) {
      outcome = 'failed';
      failure = err.message;
    } else {
      throw err;
    }
  }

  // --- endings that undo work run outside the cancelled scope ---
  if (outcome === 'rolled_back') {
    st.record('rollback_all', `rolling back every region (rollback.onFailure: all): ${failure}`);
    await rollBackRegions((r) => r.state !== 'pending' && r.state !== 'rolled_back', failure ?? 'rollback all');
  } else if (outcome === 'aborted') {
    const scope = st.abortRequest?.rollback ?? 'none';
    const unproven = new Set(['deploying', 'soaking', 'awaiting_approval', 'failed']);
    if (scope === 'all') {
      await rollBackRegions((r) => r.state !== 'pending' && r.state !== 'rolled_back', 'abort');
      // Only once every region runs its previous version again may the schema go back.
      await CancellationScope.nonCancellable(() => migrate(downSteps(plan.migrations), 'down').catch(() => undefined));
    } else if (scope === 'failed') await rollBackRegions((r) => unproven.has(r.state), 'abort');
  }
  st.terminal = outcome;
  s.endedAt = new Date().toISOString();
  st.record(outcome, failure && outcome === 'failed' ? `failed: ${failure}` : endMessage(outcome, s));
  publish();
  if (outcome === 'succeeded') notify('succeeded', endMessage(outcome, s), `firebreak status ${svc}`);
  else if (outcome === 'aborted') notify('aborted', st.abortRequest?.reason ?? 'aborted', `firebreak status ${svc}`);
  else if (outcome === 'rolled_back') notify('rolled_back', failure ?? 'rolled back', `firebreak status ${svc}`);
  // Deliveries are bounded (timeouts, few attempts): wait so none is lost with the workflow.
  await Promise.all(deliveries);
  log.info('deploy ended', { outcome });
  await condition(allHandlersFinished);
  return s;

  async function rollBackRegions(which: (r: RegionStatus) => boolean, why: string): Promise<void> {
    const regions = s.stages.flatMap((x) => x.regions).filter(which);
    await CancellationScope.nonCancellable(() => Promise.all(regions.map((r) => rollBack(r, why))));
  }
}

function endMessage(outcome: string, s: DeployStatus): string {
  const regions = s.stages.flatMap((x) => x.regions);
  const count = (state: string) => regions.filter((r) => r.state === state).length;
  if (outcome === 'succeeded') return `${s.service} ${s.version} promoted in all ${regions.length} regions`;
  return `${outcome}: ${count('promoted')} promoted, ${count('rolled_back')} rolled back, ${count('failed')} failed, ${count('pending')} never deployed`;
}

function messageOf(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the activity's own error as the cause: report the innermost message.
  while (e && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}
