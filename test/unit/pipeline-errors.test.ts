// The error corpus: each file under test/fixtures/invalid/ is refused with exactly the
// problems listed in its sibling .expected file (`line:col path: message`, one a line, in
// order), all in one run and never as a stack trace. Files under valid/ load cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatProblem, loadPipelineFile, parsePipeline, PipelineError } from '../../src/pipeline/load.js';

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
