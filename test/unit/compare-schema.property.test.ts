// The pipeline fields of peer judgement (check.compare and check.worse): nothing, null, or any
// value of the wrong type gives a clear one-line problem through the real loader, never a
// stack trace; lint warns when a compare can have neither peers nor history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatProblem, parsePipeline, PipelineError } from '../../src/domain/pipeline/load.js';
import { lint } from '../../src/domain/pipeline/lint.js';

function doc(check: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'firebreak/v1',
    service: 'checkout',
    owner: 'payments',
    runbook: 'https://wiki.example.com/checkout',
    regions: [
      { name: 'small', customers: 10 },
      { name: 'large', customers: 1000 },
    ],
    soak: '45m',
    gate: { name: 'g', checks: [{ name: 'latency', prometheus: { url: 'http://prom:9090', query: 'q{region="{{region}}"}' }, max: 2, ...check }] },
    deploy: { command: ['deploy', '{{region}}'], current: ['current', '{{region}}'] },
    ...extra,
  };
}

/** Loads the document; returns the problems as the CLI prints them, or [] when it loads. */
function problems(d: unknown): string[] {
  try {
    parsePipeline(stringify(d), 'p.yaml');
    return [];
  } catch (err) {
    assert.ok(err instanceof PipelineError, `not a PipelineError: ${String(err)}`);
    return err.problems.map(formatProblem);
  }
}

const anything = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

test('nothing: a check without compare loads as before', () => {
  assert.deepEqual(problems(doc({})), []);
  assert.deepEqual(problems(doc({ compare: { maxIncrease: '25%' } })), []);
  assert.deepEqual(problems(doc({ compare: { against: 'before', maxDelta: 0.01, confidence: 0.95, enforce: false }, worse: 'higher' })), []);
});

test('null in each field: one clear line naming the field', () => {
  const [only, ...rest] = problems(doc({ compare: null }));
  assert.match(only, /^p\.yaml:\d+:\d+ gate\.checks\[0\]\.compare: compare must be a mapping like \{against: peers, maxIncrease: 25%\}; got null$/);
  assert.deepEqual(rest, []);
  for (const field of ['against', 'maxIncrease', 'maxDelta', 'confidence', 'enforce']) {
    const out = problems(doc({ compare: { maxIncrease: '25%', [field]: null } }));
    assert.equal(out.length, 1, out.join(' | '));
    assert.ok(out[0].includes(`compare.${field}: `) && out[0].endsWith('got null'), `${field}: ${out[0]}`);
  }
  assert.match(problems(doc({ worse: null }))[0], /gate\.checks\[0\]\.worse: must be "higher" or "lower"; got null$/);
});

test('any value of any type in each new field: problems are single lines with a path, never a throw', () => {
  const fields = ['compare', 'worse', 'compare.against', 'compare.maxIncrease', 'compare.maxDelta', 'compare.confidence', 'compare.enforce'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...fields), anything, (field, value) => {
      const check: Record<string, unknown> = field.startsWith('compare.') ? { compare: { maxIncrease: '25%', [field.slice(8)]: value } } : { [field]: value };
      if (field === 'compare.maxDelta' && check.compare) delete (check.compare as Record<string, unknown>).maxIncrease;
      for (const line of problems(doc(check))) {
        assert.ok(!line.includes('\n'), `one line: ${line}`);
        assert.match(line, /^p\.yaml:\d+:\d+ gate\.checks\[0\]\.(compare|worse)/, line);
        assert.ok(!/at .*\.ts:\d+/.test(line), 'no stack trace');
      }
    }),
    { numRuns: 300 },
  );
});

test('wrong shapes get the words that fix them', () => {
  assert.match(problems(doc({ compare: { maxIncrease: 25 } }))[0], /compare\.maxIncrease: a percentage like 25% \(write 25%\); got 25$/);
  assert.match(problems(doc({ compare: {} }))[0], /compare: compare needs maxIncrease \(like 25%\) or maxDelta \(a number\)$/);
  assert.match(problems(doc({ compare: { maxIncrease: '5%', maxDelta: 1 } }))[0], /not both$/);
  assert.match(problems(doc({ compare: { maxIncrease: '5%', confidence: 1 } }))[0], /confidence: must be below 1/);
  assert.match(problems(doc({ min: 0, compare: { maxIncrease: '5%' } }))[0], /compare with both max and min needs worse: higher or worse: lower$/);
  assert.match(problems(doc({ max: undefined, prometheus: undefined, http: { url: 'http://h', path: '$.ok', equals: true }, compare: { maxIncrease: '5%' } }))[0], /compare needs a direction/);
});

test('lint compare-control: an http check that compares has no history for the last stage', () => {
  const http = { prometheus: undefined, http: { url: 'http://h/{{region}}', path: '$.latency' } };
  const findings = lint(parsePipeline(stringify(doc({ ...http, compare: { maxIncrease: '25%' } })), 'p.yaml')).filter((f) => f.rule === 'compare-control');
  assert.equal(findings.length, 1);
  assert.match(findings[0].message, /check latency compares, but large has no peers left and an http check has no history/);
  assert.equal(findings[0].severity, 'warning');
  // A Prometheus check falls back to its history: no warning. Neither for a check without compare.
  assert.equal(lint(parsePipeline(stringify(doc({ compare: { maxIncrease: '25%' } })), 'p.yaml')).filter((f) => f.rule === 'compare-control').length, 0);
  // against: before on an http check: every stage lacks a control.
  const before = lint(parsePipeline(stringify(doc({ ...http, compare: { against: 'before', maxIncrease: '25%' } })), 'p.yaml')).filter((f) => f.rule === 'compare-control');
  assert.match(before[0].message, /small, large have no peers left/);
});

test('plan and runbook say what each stage is compared with, and the environment hold', async () => {
  const { renderPlan, planJson } = await import('../../src/domain/pipeline/render-plan.js');
  const { runbookMarkdown: renderRunbook } = await import('../../src/domain/pipeline/runbook.js');
  const three = {
    regions: [
      { name: 'small', customers: 10 },
      { name: 'mid', customers: 100 },
      { name: 'large', customers: 1000 },
    ],
  };
  const loaded = parsePipeline(stringify(doc({ compare: { maxIncrease: '25%' } }, three)), 'p.yaml');
  assert.match(renderPlan(loaded), /\n {2}compare latency: stage 1 vs mid, large; stage 2 vs large; stage 3 vs its own values before its deploy\n/);
  const json = planJson(loaded);
  assert.deepEqual(json.stages[2].compare, [{ region: 'large', check: 'latency', against: 'before', enforce: true }]);
  assert.deepEqual(json.stages[0].compare?.[0].regions, ['mid', 'large']);
  const plain = parsePipeline(stringify(doc({})), 'p.yaml');
  assert.doesNotMatch(renderPlan(plain), /compare/);
  assert.equal(planJson(plain).stages[0].compare, undefined);
  assert.match(renderRunbook(loaded), /## The fleet is sick, not the version \(environment\)/);
  assert.doesNotMatch(renderRunbook(plain), /environment/);
});
