// Every recorded history of a released workflow shape replays against today's workflow code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/local/bundle.js';
import { HISTORIES_DIR } from '../helpers/histories.js';
import '../helpers/deploys.js';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories to replay', () => {
  assert.ok(files.length >= 4, `expected recorded histories in ${HISTORIES_DIR}, found ${files.length}`);
});

for (const file of files) {
  test(`replays ${file}`, async () => {
    // The worker parses the CLI's JSON export itself (one protobuf runtime, no version skew).
    const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as unknown;
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file.replace(/\.json$/, ''));
  });
}
