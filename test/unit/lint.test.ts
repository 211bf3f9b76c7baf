// Policy lint: each rule fires on a pipeline that breaks its practice and not on one that
// keeps it; silencing needs a written reason; an unknown rule in lint.allow is refused.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { blockingFindings, lint, RULES, type Finding } from '../../src/domain/pipeline/lint.js';
import { parsePipeline, PipelineError, formatProblem } from '../../src/domain/pipeline/load.js';
import { LINT_RULES, pipelineSchema, type PipelineInput } from '../../src/domain/pipeline/schema.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { starterPipeline } from '../../src/domain/pipeline/init-template.js';
import { loadSqlParser } from '../../src/domain/migrations/steps.js';

// The SQL lint needs PostgreSQL's parser (WebAssembly), loaded by whoever lints.
before(() => loadSqlParser());

/** A pipeline as written (defaults optional); tests edit it before it is serialised. */
type Doc = PipelineInput;

function good(): Doc {
  return {
    apiVersion: 'firebreak/v1',
    service: 'checkout',
    owner: 'payments-team',
    runbook: 'https://wiki.example.com/checkout/deploys',
    regions: [
      { name: 'us-east-1', customers: 310000 },
      { name: 'ap-southeast-2', customers: 1200 },
      { name: 'eu-west-1', customers: 48000 },
    ],
    soak: '45m',
    gate: {
      name: '5xx < 1%',
      checks: [{ name: 'error-rate', prometheus: { url: 'http://prom:9090', query: 'up{region="{{region}}"}' }, max: 0.01 }],
    },
    deploy: { command: ['deploy', '{{region}}', '{{version}}'], current: ['current', '{{region}}'] },
  };
}

const findings = (doc: Doc, strict = false): Finding[] => lint(parsePipeline(stringify(doc), 'p.yaml'), { strict });
const rules = (doc: Doc) => findings(doc).map((f) => f.rule);
const edit = (change: (d: Doc) => void): Doc => {
  const d = good();
  change(d);
  return d;
};

test('the good pipeline (the checkout example) and the starter are clean', () => {
  assert.deepEqual(findings(good()), []);
  assert.deepEqual(lint(parsePipeline(starterPipeline('web'), 'firebreak.yaml'), { strict: true }), []);
});

// One bad pipeline per rule: [rule, the change that breaks its practice].
const BAD: [string, (d: Doc) => void][] = [
  ['smallest-first', (d) => { d.order = 'as-listed'; }],
  ['largest-last', (d) => { d.waves = [['ap-southeast-2'], ['us-east-1'], ['eu-west-1']]; }],
  ['no-all-at-once', (d) => { d.waves = [['ap-southeast-2', 'eu-west-1', 'us-east-1']]; }],
  ['explicit-gate', (d) => { d.gate.checks = []; }],
  ['soak-duration', (d) => { d.soak = '10m'; }],
  ['named-owner', (d) => { d.owner = 'TODO'; }],
  ['runbook', (d) => { d.runbook = 'ask in #deploys'; }],
  ['no-demand', (d) => { d.regions.push({ name: 'sa-east-1', customers: 0 }); d.order = 'as-listed'; }],
  ['oversized-wave', (d) => {
    d.regions.push(...Array.from({ length: 11 }, (_, i) => ({ name: `r${i}`, customers: 100000 + i })));
    d.waves = [['ap-southeast-2'], ['eu-west-1', ...Array.from({ length: 11 }, (_, i) => `r${i}`)], ['us-east-1']];
  }],
  ['rollback-target', (d) => { delete d.deploy.current; }],
  ['one-way-migration', (d) => { d.migrations = [{ id: 'm1', database: 'x', expand: { up: 'up.sql' } }]; }],
  ['compare-control', (d) => {
    d.gate.checks = [{ name: 'latency', http: { url: 'http://h/{{region}}', path: '$.latency' }, max: 2, compare: { maxIncrease: '25%' } }];
  }],
  ['hotfix-floor', (d) => { d.hotfix = { soakScale: 0.25 }; }],
];

test('the corpus covers every rule', () => {
  assert.deepEqual(BAD.map(([r]) => r).sort(), [...LINT_RULES].sort());
  assert.deepEqual(Object.keys(RULES).sort(), [...LINT_RULES].sort());
});

for (const [rule, change] of BAD) {
  test(`${rule} fires on a pipeline that breaks its practice`, () => {
    const found = findings(edit(change)).filter((f) => f.rule === rule);
    assert.ok(found.length >= 1, `${rule} did not fire`);
    for (const f of found) {
      assert.ok(f.line >= 1);
      assert.match(f.why, /^[A-Z].*\.$/, 'why is one sentence');
      assert.equal(f.severity, RULES[rule as keyof typeof RULES].severity);
      assert.equal(f.silenced, undefined);
    }
  });
}

test('smallest-first and largest-last name the regions involved', () => {
  const [first] = findings(edit((d) => { d.order = 'as-listed'; })).filter((f) => f.rule === 'smallest-first');
  assert.equal(first.message, 'the first stage is us-east-1 (310000 customers), not the smallest region ap-southeast-2 (1200 customers)');
  const [wide] = findings(edit((d) => { d.waves = [['ap-southeast-2', 'eu-west-1'], ['us-east-1']]; })).filter((f) => f.rule === 'smallest-first');
  assert.match(wide.message, /deploys 2 regions \(ap-southeast-2, eu-west-1\)/);
  const [last] = findings(edit((d) => { d.waves = [['ap-southeast-2'], ['us-east-1'], ['eu-west-1']]; })).filter((f) => f.rule === 'largest-last');
  assert.equal(last.message, 'the last stage is eu-west-1 (48000 customers), not the largest region us-east-1 (310000 customers)');
});

test('findings point at the line that decides', () => {
  const text = [
    'apiVersion: firebreak/v1', // 1
    'service: checkout', // 2
    'owner: TBD', // 3
    'runbook: https://wiki.example.com/checkout', // 4
    'regions:', // 5
    '  - { name: small, customers: 10 }', // 6
    '  - { name: big, customers: 1000, soak: 2h }', // 7
    '  - { name: empty, customers: 0 }', // 8
    'soak: 20m', // 9
    'gate: { name: just go }', // 10
    'deploy:', // 11
    '  http:', // 12
    '    url: https://d.example.com/{{region}}', // 13
    '    status: { url: "https://d.example.com/{{region}}" }', // 14
  ].join('\n');
  const got = lint(parsePipeline(text, 'p.yaml')).map((f) => `${f.line} ${f.rule}: ${f.message}`);
  assert.deepEqual(got, [
    '3 named-owner: owner "TBD" is a placeholder; name the team answerable for this pipeline',
    '7 soak-duration: soak 2h for big is over 60m',
    '8 no-demand: empty has customers: 0; add it when it has customers',
    '9 soak-duration: soak 20m for empty, small is under 30m',
    '10 explicit-gate: no explicit gate for empty, small, big: no checks and approval auto; add checks or approval: manual',
    '14 rollback-target: the http adapter has no status.version, so nothing reads the version to roll back to; deploys need --previous',
  ]);
});

test('manual approval is an explicit gate; a region override without checks is not', () => {
  assert.deepEqual(rules(edit((d) => { d.gate.checks = []; d.gate.approval = 'manual'; })), []);
  const found = findings(edit((d) => { d.regions[0].gate = { checks: [] }; }));
  assert.deepEqual(found.map((f) => [f.rule, f.message]), [['explicit-gate', 'no explicit gate for us-east-1: no checks and approval auto; add checks or approval: manual']]);
});

test('soak between 30m and 60m inclusive passes; per-region overrides are judged on their own', () => {
  assert.deepEqual(rules(edit((d) => { d.soak = '30m'; })), []);
  assert.deepEqual(rules(edit((d) => { d.soak = '1h'; })), []);
  assert.deepEqual(rules(edit((d) => { d.soak = '1h1m'; })), ['soak-duration']);
  assert.deepEqual(rules(edit((d) => { d.regions[1].soak = '5m'; })), ['soak-duration']);
});

test('owner and runbook: placeholders are refused, paths and URLs accepted', () => {
  for (const owner of ['TODO', 'tbd', 'me', '<team>', '${OWNER}', 'TODO: pick a team']) {
    assert.deepEqual(rules(edit((d) => { d.owner = owner; })), ['named-owner'], owner);
  }
  for (const owner of ['payments-team', 'Payments SRE', 'team-checkout@example.com']) {
    assert.deepEqual(rules(edit((d) => { d.owner = owner; })), [], owner);
  }
  for (const runbook of ['TODO', 'wiki', 'see the wiki', 'https://TODO', 'https://wiki.example.com/TODO']) {
    assert.deepEqual(rules(edit((d) => { d.runbook = runbook; })), ['runbook'], runbook);
  }
  for (const runbook of ['RUNBOOK.md', 'docs/runbooks/checkout.md', './ops/checkout', 'http://wiki.internal/x', 'https://runbooks.example.com/checkout']) {
    assert.deepEqual(rules(edit((d) => { d.runbook = runbook; })), [], runbook);
  }
});

test('one-way migrations: irreversible needs a reason, and the first stage then waits for approval', () => {
  const m = (extra: Partial<NonNullable<Doc['migrations']>[number]> = {}) => edit((d) => { d.migrations = [{ id: 'm1', database: 'x', expand: { up: 'u.sql', down: 'd.sql' }, ...extra }]; });
  assert.deepEqual(rules(m()), []);
  assert.deepEqual(findings(m({ contract: { up: 'c.sql' } })).map((f) => f.message), [
    'migration m1: contract has no down; add one, or irreversible: "<reason>" (the first stage then waits for approval)',
  ]);
  const irreversible = m({ contract: { up: 'c.sql' }, irreversible: 'drops a column nobody reads' });
  assert.deepEqual(rules(irreversible), []);
  const stages = plan(pipelineSchema.parse(irreversible), '1.0.0').stages;
  assert.deepEqual(stages.map((s) => s.gate.approval), ['manual', ...stages.slice(1).map(() => 'auto')], 'only the first stage waits for a person');
  assert.equal(findings(m({ contract: { up: 'c.sql' } }))[0].severity, 'error');
});

test('a single-region pipeline is not all-at-once, nor out of order', () => {
  assert.deepEqual(rules(edit((d) => { d.regions = [{ name: 'only', customers: 5 }]; })), []);
});

test('silencing: the finding stays, marked silenced with its reason, and blocks nothing', () => {
  const doc = edit((d) => {
    d.soak = '2h';
    d.lint = { allow: [{ rule: 'soak-duration', reason: 'batch service: errors show only after the nightly job' }] };
  });
  const found = findings(doc, true);
  assert.equal(found.length, 1);
  assert.equal(found[0].rule, 'soak-duration');
  assert.equal(found[0].silenced, 'batch service: errors show only after the nightly job');
  assert.deepEqual(blockingFindings(found), []);
});

test('--strict turns warnings into errors; errors block', () => {
  const doc = edit((d) => { d.owner = 'TODO'; });
  assert.equal(findings(doc)[0].severity, 'warning');
  assert.deepEqual(blockingFindings(findings(doc)), []);
  assert.equal(findings(doc, true)[0].severity, 'error');
  assert.equal(blockingFindings(findings(doc, true)).length, 1);
});

function problems(doc: Doc): string[] {
  try {
    parsePipeline(stringify(doc), 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof PipelineError);
    return err.problems.map(formatProblem);
  }
  return [];
}

test('an allow naming an unknown rule is refused with a did-you-mean', () => {
  const got = problems(edit((d) => { d.lint = { allow: [{ rule: 'smalest-first', reason: 'x' }] } as unknown as Doc['lint']; }));
  assert.equal(got.length, 1);
  assert.match(got[0], /^p\.yaml:\d+:\d+ lint\.allow\[0\]\.rule: must be one of .*; got "smalest-first" \(did you mean "smallest-first"\?\)$/);
});

test('an allow without a written reason is refused', () => {
  assert.deepEqual(problems(edit((d) => { d.lint = { allow: [{ rule: 'runbook', reason: '  ' }] }; })).map((p) => p.replace(/^p\.yaml:\d+:\d+ /, '')), [
    'lint.allow[0].reason: say why this rule does not apply here',
  ]);
  assert.deepEqual(problems(edit((d) => { d.lint = { allow: [{ rule: 'runbook' }] } as unknown as Doc['lint']; })).map((p) => p.replace(/^p\.yaml:\d+:\d+ /, '')), [
    'lint.allow[0].reason: required',
  ]);
});
