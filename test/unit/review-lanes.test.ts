// The review counts hotfixes, deploys that passed a freeze and deploys a freeze held, from the
// events each deploy records; the status header and the Web UI's details say both lanes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { review, reviewMarkdown } from '../../src/client/review.js';
import { detailsMarkdown } from '../../workflows/details.js';
import { renderStatus } from '../../src/cli/render.js';
import { exitCodeFor } from '../../src/cli/wait.js';
import { EXIT } from '../../src/cli/fail.js';
import type { DeployEventKind, DeployStatus } from '../../workflows/messages.js';

const at = new Date(0).toISOString();
function status(kinds: DeployEventKind[], extra: Partial<DeployStatus> = {}): DeployStatus {
  return {
    service: 's', version: '2.0.1', owner: 'o', runbook: 'r', phase: 'succeeded', currentStage: 0,
    stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'promoted', attempt: 1, checks: [] }], gate: { name: 'g', approval: 'auto', state: 'passed' } }],
    events: kinds.map((kind) => ({ at, kind, message: 'x' })), startedAt: at,
    ...extra,
  };
}

test('the review counts hotfixes, freeze overrides and freezes held', () => {
  const r = review([status(['started', 'hotfix', 'freeze_override']), status(['started', 'frozen', 'unfrozen']), status(['started'])]);
  assert.equal(r.hotfixes, 1);
  assert.equal(r.freezeOverrides, 1);
  assert.equal(r.frozen, 1);
  const md = reviewMarkdown(r, '90d');
  assert.match(md, /- hotfixes \(shorter soaks\): 1/);
  assert.match(md, /passed a freeze \(--override-freeze\): 1; deploys held by a freeze: 1/);
});

test('a hotfix and a freeze show in the status header and the Web UI details; frozen alone exits 6', () => {
  const hot = status(['hotfix'], { hotfix: { reason: 'checkout 500s', soakScale: 0.25, minSoakMs: 300_000, manualGates: false } });
  assert.match(renderStatus(hot, 0), /HOTFIX: checkout 500s \(soaks ×0\.25, never below 5m\)/);
  assert.match(unescaped(hot), /HOTFIX: checkout 500s/);
  const held = status(['frozen'], {
    phase: 'paused',
    frozen: { scope: '*', reason: 'holidays', by: 'ana', since: at, at: 'stage 1 (small)' },
    stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'pending', attempt: 1, checks: [] }], gate: { name: 'g', approval: 'auto', state: 'pending' } }],
  });
  assert.match(renderStatus(held, 0), /FROZEN at stage 1 \(small\): every service frozen by ana: holidays/);
  assert.match(unescaped(held), /FROZEN at stage 1 \(small\)/);
  assert.equal(exitCodeFor('paused', held), EXIT.frozen);
  // Frozen, and a region also waiting for a person: that is a pause for an operator.
  const alsoWaiting = { ...held, stages: [{ ...held.stages[0], regions: [{ ...held.stages[0].regions[0], state: 'awaiting_approval' as const }] }] };
  assert.equal(exitCodeFor('paused', alsoWaiting), EXIT.paused);
  assert.equal(exitCodeFor('paused', status([], { phase: 'paused' })), EXIT.paused);
});

/** The details escape Markdown in what they quote; read them unescaped. */
function unescaped(s: DeployStatus): string {
  return detailsMarkdown(s).replace(/\\(.)/g, '$1');
}
