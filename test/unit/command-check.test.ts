import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSchema } from '../../src/domain/pipeline/schema.js';
import { thresholdOf } from '../../src/domain/pipeline/threshold.js';

const messages = (input: unknown) => {
  const r = checkSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('a command check needs no threshold: it passes on exit code 0', () => {
  const r = checkSchema.parse({ name: 'smoke', command: { argv: ['./smoke.sh', '{{region}}'] } });
  assert.deepEqual(r.command, { argv: ['./smoke.sh', '{{region}}'], timeout: '5s', once: false });
  assert.deepEqual(thresholdOf(r), { equals: 0 });
});

test('a command check refuses a second threshold, a long timeout, an empty argv and a second provider', () => {
  assert.deepEqual(messages({ name: 's', command: { argv: ['x'] }, max: 1 }), ['max: a command check passes on exit code 0 and takes no max']);
  assert.match(messages({ name: 's', command: { argv: ['x'], timeout: '1m' } }).join(), /command.timeout: at most 5s, the limit of one check evaluation/);
  assert.match(messages({ name: 's', command: { argv: [] } }).join(), /at least the program/);
  assert.match(messages({ name: 's', command: { argv: ['x'] }, http: { url: 'u', path: '$.ok', equals: true } }).join(), /exactly one provider: prometheus, http, command or kubernetes/);
  assert.match(messages({ name: 's', command: { argv: ['{{regoin}}'] } }).join(), /did you mean \{\{region\}\}/);
});
