import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonPath, readJsonPath } from '../../activities/json-path.js';

const doc = { ok: true, state: 'ready', stats: { errorRate: 0.002, 'p-99': 310 }, items: [{ v: '1.2' }, { v: null }], 'a.b': 1 };

test('reads properties, nested properties and array indexes', () => {
  assert.equal(readJsonPath(doc, '$.ok'), true);
  assert.equal(readJsonPath(doc, '$.stats.errorRate'), 0.002);
  assert.equal(readJsonPath(doc, '$.stats.p-99'), 310);
  assert.equal(readJsonPath(doc, '$.items[0].v'), '1.2');
  assert.equal(readJsonPath(doc, '$.items[1].v'), null);
  assert.equal(readJsonPath(doc, '$["a.b"]'), 1);
  assert.equal(readJsonPath([5, 6], '$[1]'), 6);
  assert.deepEqual(readJsonPath(doc, '$'), doc);
});

test('a missing step is undefined, not an error', () => {
  assert.equal(readJsonPath(doc, '$.nope'), undefined);
  assert.equal(readJsonPath(doc, '$.ok.deeper'), undefined);
  assert.equal(readJsonPath(doc, '$.items[5].v'), undefined);
  assert.equal(readJsonPath(doc, '$.stats[0]'), undefined);
  assert.equal(readJsonPath(null, '$.x'), undefined);
  assert.equal(readJsonPath({}, '$.toString'), undefined);
});

test('parses paths into segments and refuses what it cannot read', () => {
  assert.deepEqual(parseJsonPath('$.a.b[0]'), ['a', 'b', 0]);
  assert.deepEqual(parseJsonPath('$'), []);
  assert.throws(() => parseJsonPath('a.b'), /must start with \$/);
  assert.throws(() => parseJsonPath('$.a[*]'), /column 4/);
  assert.throws(() => parseJsonPath('$..a'), /not a JSON path/);
});
