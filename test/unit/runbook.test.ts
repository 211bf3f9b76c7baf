// The runbook names this service's workflow and gives, for each situation, the exact
// firebreak and temporal commands, one per ```sh block, ready to paste (and to run in tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadPipelineFile, parsePipeline } from '../../src/domain/pipeline/load.js';
import { runbookMarkdown } from '../../src/domain/pipeline/runbook.js';

const example = fileURLToPath(new URL('../../examples/checkout.yaml', import.meta.url));
const md = runbookMarkdown(loadPipelineFile(example));

/** Each fenced sh block's contents. */
const blocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
/** The section a heading starts, up to the next heading. */
const section = (text: string, heading: string) => {
  const start = text.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `no section ${heading}`);
  const end = text.indexOf('\n## ', start + 3);
  return text.slice(start, end < 0 ? undefined : end);
};

test('owner, escalation, sequence and automatic rollback come first', () => {
  assert.match(md, /^# Deploy runbook: checkout\n/);
  assert.match(section(md, 'Owner and escalation'), /\*\*payments-team\*\*/);
  assert.match(section(md, 'Owner and escalation'), /https:\/\/wiki\.example\.com\/checkout\/deploys/);
  const seq = section(md, 'The sequence');
  assert.match(seq, /\| 1 \| ap-southeast-2 \| 1,200 \| 45m \| 5xx < 1% and p99 < 400ms through the soak \| auto \|/);
  assert.match(seq, /\| 3 \| us-east-1 \| 310,000 \| 1h30m \|/);
  assert.match(seq, /mon-thu 09:00-16:00 Europe\/Dublin/);
  assert.match(section(md, 'What automatic rollback does'), /rolls back that region only to the version it ran before; the `current` command reads it/);
  assert.ok(md.indexOf('## Owner') < md.indexOf('## The sequence') && md.indexOf('## The sequence') < md.indexOf('## What automatic rollback'));
});

test('every command is alone in its block, quoted so a shell can run it', () => {
  const all = blocks(md);
  assert.ok(all.length >= 20);
  for (const cmd of all) {
    assert.doesNotMatch(cmd, /\n/, cmd);
    assert.match(cmd, /^(firebreak|temporal) /, cmd);
    assert.equal((cmd.match(/'/g) ?? []).length % 2, 0, cmd);
    assert.equal((cmd.replace(/'[^']*'/g, '').match(/"/g) ?? []).length % 2, 0, cmd);
    if (cmd.startsWith('temporal workflow')) assert.match(cmd, /--workflow-id deploy-checkout\b/);
    const input = cmd.match(/--input '([^']*)'/);
    if (input) assert.doesNotThrow(() => JSON.parse(input[1]), cmd);
  }
});

test('each situation has its firebreak and temporal commands', () => {
  const cmds = (heading: string) => blocks(section(md, heading));
  assert.deepEqual(cmds('Where is the deploy?'), [
    'firebreak status checkout',
    'temporal workflow query --workflow-id deploy-checkout --type status',
    'temporal workflow describe --workflow-id deploy-checkout',
    'temporal task-queue describe --task-queue firebreak',
  ]);
  assert.deepEqual(cmds('A region failed'), [
    'firebreak retry checkout --region ap-southeast-2 --by oncall',
    `temporal workflow update execute --workflow-id deploy-checkout --name retry --input '{"region":"ap-southeast-2","by":"oncall"}'`,
    'firebreak abort checkout --rollback failed --reason "ap-southeast-2 failed its gate" --by oncall',
  ]);
  assert.ok(cmds('A check is inconclusive (no data)').includes('firebreak approve checkout --region ap-southeast-2 --by oncall'));
  assert.deepEqual(cmds('An incident elsewhere: pause'), [
    'firebreak pause checkout --reason "incident elsewhere" --by oncall',
    `temporal workflow signal --workflow-id deploy-checkout --name pause --input '{"reason":"incident elsewhere","by":"oncall"}'`,
    `temporal workflow update execute --workflow-id deploy-checkout --name pause --input '{"reason":"incident elsewhere","by":"oncall"}'`,
    'firebreak resume checkout --by oncall',
    `temporal workflow update execute --workflow-id deploy-checkout --name resume --input '{"by":"oncall"}'`,
    `temporal workflow signal --workflow-id deploy-checkout --name resume --input '{"by":"oncall"}'`,
  ]);
  assert.match(section(md, 'An incident elsewhere: pause'), /signal is accepted even while no worker runs/);
  assert.match(section(md, 'A window closed'), /mon-thu 09:00-16:00 Europe\/Dublin/);
  assert.ok(cmds('A window closed').includes('firebreak status checkout'));
  assert.deepEqual(cmds('Approve a manual gate').map((c) => c.split(' ').slice(0, 4).join(' ')), [
    'firebreak approve checkout --region',
    'temporal workflow update execute',
  ]);
  const abort = cmds('Abort');
  for (const scope of ['none', 'failed', 'all']) assert.ok(abort.some((c) => c.startsWith(`firebreak abort checkout --rollback ${scope} --reason `)), scope);
  assert.ok(abort.includes(`temporal workflow signal --workflow-id deploy-checkout --name abort --input '{"reason":"bad release","by":"oncall","rollback":"all"}'`));
});

test('namespace and task queue options reach every temporal command', () => {
  const custom = runbookMarkdown(loadPipelineFile(example), { namespace: 'prod', taskQueue: 'deploys' });
  for (const cmd of blocks(custom).filter((c) => c.startsWith('temporal '))) assert.match(cmd, / --namespace prod\b/, cmd);
  assert.ok(blocks(custom).includes('temporal task-queue describe --task-queue deploys --namespace prod'));
  assert.match(custom, /task queue `deploys`, namespace `prod`/);
});

test('a manual gate is approved by its region; a pipeline with no rollback source says --previous', () => {
  const text = [
    'apiVersion: firebreak/v1',
    'service: ledger',
    'owner: ledger-team',
    'runbook: docs/ledger.md',
    'regions:',
    '  - { name: small, customers: 1 }',
    '  - { name: big, customers: 9, gate: { approval: manual } }',
    'gate: { name: "error rate", checks: [{ name: e, prometheus: { url: "http://p", query: q }, max: 1 }] }',
    'deploy: { command: [deploy] }',
  ].join('\n');
  const ledger = runbookMarkdown(parsePipeline(text, 'ledger.yaml'));
  assert.ok(blocks(section(ledger, 'Approve a manual gate')).includes('firebreak approve ledger --region big --by oncall'));
  assert.match(section(ledger, 'Approve a manual gate'), /approval: manual` \(big\)/);
  assert.match(section(ledger, 'What automatic rollback does'), /--previous V/);
  assert.ok(blocks(ledger).every((c) => !c.startsWith('temporal workflow') || c.includes('--workflow-id deploy-ledger')));
});
