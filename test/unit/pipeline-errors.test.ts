// The error corpus: each file under test/fixtures/invalid/ is refused with exactly the
// problems listed in its sibling .expected file (`line:col path: message`, one a line, in
// order), all in one run and never as a stack trace. Files under valid/ load cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatProblem, loadPipelineFile, parsePipeline, PipelineError } from '../../src/domain/pipeline/load.js';
import { showValue } from '../../src/domain/pipeline/suggest.js';

const fixtures = (kind: 'invalid' | 'valid') => {
  const dir = fileURLToPath(new URL(`../fixtures/${kind}/`, import.meta.url));
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((name) => ({ name, file: dir + name }));
};

function problemsOf(file: string): PipelineError['problems'] {
  try {
    loadPipelineFile(file);
  } catch (err) {
    assert.ok(err instanceof PipelineError, `${file} threw ${String(err)} instead of a PipelineError`);
    return err.problems;
  }
  assert.fail(`${file} loaded, but it is in the invalid corpus`);
}

const invalid = fixtures('invalid');

test('the corpus holds at least 40 invalid files, JSON among them, each with its .expected', () => {
  assert.ok(invalid.length >= 40, `only ${invalid.length} fixtures`);
  assert.ok(invalid.filter((f) => f.name.endsWith('.json')).length >= 3);
  for (const { file } of invalid) assert.doesNotThrow(() => readFileSync(file.replace(/\.(ya?ml|json)$/, '.expected')));
});

for (const { name, file } of invalid) {
  test(`invalid/${name}`, () => {
    const expected = readFileSync(file.replace(/\.(ya?ml|json)$/, '.expected'), 'utf8').split('\n').filter(Boolean);
    const problems = problemsOf(file);
    assert.deepEqual(problems.map((p) => `${p.line}:${p.col} ${p.path || '(file)'}: ${p.message}`), expected);
    // The full form people see starts with the file name, and no message spans lines.
    for (const p of problems) {
      assert.ok(formatProblem(p).startsWith(`${file}:${p.line}:${p.col} `));
      assert.doesNotMatch(p.message, /\n|\s{2}at /);
    }
  });
}

for (const { name, file } of fixtures('valid')) {
  test(`valid/${name} loads`, () => {
    const loaded = loadPipelineFile(file);
    assert.equal(loaded.file, file);
    assert.equal(loaded.pipeline.apiVersion, 'firebreak/v1');
  });
}

test('defaults are filled in for what the file leaves out', () => {
  const { pipeline } = loadPipelineFile(fixtures('valid').find((f) => f.name === 'minimal.yaml')!.file);
  assert.equal(pipeline.order, 'smallest-first');
  assert.equal(pipeline.soak, '45m');
  assert.equal(pipeline.pauseTimeout, '72h');
  assert.deepEqual(pipeline.rollback, { onFailure: 'region', onAbort: 'none' });
  assert.deepEqual({ ...pipeline.gate, name: undefined }, {
    name: undefined, approval: 'manual', interval: '60s', failAfter: 2, minSamples: 10, onNoData: 'pause', checks: [],
  });
  assert.equal(pipeline.deploy.timeout, '15m');
});

test('lineOf points at the node of a path, or its nearest written parent', () => {
  const loaded = loadPipelineFile(fixtures('valid').find((f) => f.name === 'full.yaml')!.file);
  assert.equal(loaded.lineOf(['soak']), 13);
  assert.equal(loaded.lineOf(['regions', 2, 'gate']), 10);
  assert.equal(loaded.lineOf(['regions', 0, 'soak']), 8);
});

test('a missing file and a directory are problems, not stack traces', () => {
  assert.deepEqual(problemsOf('/nonexistent/pipeline.yaml').map(formatProblem), ['/nonexistent/pipeline.yaml:0:0 (file): no such file']);
  assert.match(problemsOf(fileURLToPath(new URL('../fixtures/', import.meta.url)))[0].message, /is a directory/);
});

test('garbage input of any shape gives problems, never an exception of another kind', () => {
  for (const text of ['', '42', '"x"', 'null', '[]', '{', ']', 'a: *b', '&a [*a]', '? [a]\n: 1', '!!binary x', 'regions: {name: x}', 'apiVersion: [1]\nwaves: 3', 'waves: [[1, null]]\nregions: [7]']) {
    try {
      parsePipeline(text, 'x.yaml');
      assert.fail(`accepted ${JSON.stringify(text)}`);
    } catch (err) {
      assert.ok(err instanceof PipelineError, `${JSON.stringify(text)} threw ${String(err)}`);
      assert.ok(err.problems.length > 0);
    }
  }
});

function problemsIn(text: string): string[] {
  try {
    parsePipeline(text, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof PipelineError, String(err));
    return err.problems.map((p) => `${p.path || '(file)'}: ${p.message}`);
  }
  assert.fail('accepted');
}

const pipelineWith = (fields: Record<string, string>) => {
  const base: Record<string, string> = {
    apiVersion: 'firebreak/v1',
    service: 'api',
    owner: 'platform-team',
    runbook: 'docs/runbooks/api.md',
    regions: '[{ name: eu-west-1, customers: 100 }]',
    gate: '{ name: "dashboards", approval: manual }',
    deploy: '{ command: [./deploy.sh, "{{region}}"] }',
  };
  return Object.entries({ ...base, ...fields }).map(([k, v]) => `${k}: ${v}`).join('\n');
};

test('a message about a bad value quotes what the file wrote, after the allowed values and before a did-you-mean', () => {
  assert.deepEqual(problemsIn(pipelineWith({ windows: '[{ days: [mon, funday, fir], from: "09:00", to: "16:00", tz: Mars/Olympus }]' })), [
    'windows[0].days[1]: must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"; got "funday"',
    'windows[0].days[2]: must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"; got "fir" (did you mean "fri"?)',
    'windows[0].tz: not a known IANA time zone (like Europe/Dublin); got "Mars/Olympus"',
  ]);
  assert.deepEqual(problemsIn(pipelineWith({ soak: '45 minutes', pauseTimeout: '3', rollbak: '{}' })), [
    'soak: not a duration: write it like 90s, 45m or 1h30m; got "45 minutes"',
    'pauseTimeout: not a duration: a number needs a unit, like 3s or 3m; got 3',
    'rollbak: unknown key; got "rollbak" (did you mean "rollback"?)',
  ]);
  // A number that is not a whole count gets no made-up unit (1.5s is not a duration either).
  assert.deepEqual(problemsIn(pipelineWith({ soak: '1.5' })), ['soak: not a duration: write it like 90s, 45m or 1h30m; got 1.5']);
});

test('a value that is not a string is shown as written: numbers, true/false, null, a list, a mapping', () => {
  assert.deepEqual(problemsIn(pipelineWith({ order: '42', rollback: '{ onFailure: null, onAbort: [all] }', gate: '{ name: x, approval: false, onNoData: { a: 1 } }' })), [
    'gate.approval: must be one of "auto", "manual"; got false',
    'gate.onNoData: must be one of "pause", "fail"; got a mapping',
    'order: must be one of "smallest-first", "as-listed"; got 42',
    'rollback.onFailure: must be one of "region", "all"; got null',
    'rollback.onAbort: must be one of "none", "all"; got a list',
  ]);
});

test('a 10 kB value is cut to a short quote with its length: the message stays one short line', () => {
  const huge = 'x'.repeat(10_000);
  // JSON, because YAML allows an implicit key of at most 1024 characters.
  const problems = problemsIn(
    JSON.stringify({
      apiVersion: 'firebreak/v1',
      service: huge,
      owner: 'platform-team',
      runbook: 'docs/runbooks/api.md',
      regions: [{ name: 'eu-west-1', customers: huge }],
      order: huge,
      soak: huge,
      gate: { name: 'x', approval: huge },
      windows: [{ from: '09:00', to: '16:00', tz: huge }],
      deploy: { command: ['./deploy.sh'] },
      [huge]: 1,
    }),
  );
  const shown = `"${'x'.repeat(59)}…" (10000 characters)`;
  assert.deepEqual(problems, [
    `service: service names are lowercase letters, digits and dashes, 1 to 63 long; got ${shown}`,
    `regions[0].customers: expected a number; got ${shown}`,
    `order: must be one of "smallest-first", "as-listed"; got ${shown}`,
    `soak: not a duration: write it like 90s, 45m or 1h30m; got ${shown}`,
    `gate.approval: must be one of "auto", "manual"; got ${shown}`,
    `windows[0].tz: not a known IANA time zone (like Europe/Dublin); got ${shown}`,
    `${'x'.repeat(59)}…: unknown key; got ${shown} (known: $schema, apiVersion, service, owner, runbook, regions, order, waves, soak, gate, windows, deploy, rollback, pauseTimeout, train, notify, migrations, lint, hotfix)`,
  ]);
  for (const p of problems) assert.ok(p.length < 400, `${p.length} characters: ${p.slice(0, 100)}`);
});

test('showValue: JSON quoting keeps blanks, quotes and control characters visible and the line whole', () => {
  assert.equal(showValue('soak '), '"soak "');
  assert.equal(showValue('say "hi"\n\u001b[31m'), '"say \\"hi\\"\\n\\u001b[31m"');
  assert.equal(showValue(''), '""');
  assert.equal(showValue(-0.5), '-0.5');
  assert.equal(showValue(Infinity), 'Infinity');
  // Cut by characters, never inside an escape or a surrogate pair, and the length counts characters.
  const cut = showValue('🙂'.repeat(100));
  assert.equal(cut, `"${'🙂'.repeat(59)}…" (100 characters)`);
  const escapes = showValue('\n'.repeat(100));
  assert.match(escapes, /^"(\\n){29}…" \(100 characters\)$/);
  assert.equal(showValue('y'.repeat(60)), `"${'y'.repeat(60)}"`);
});
