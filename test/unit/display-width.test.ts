// Tables and the live frame line up by display width, not by UTF-16 units or code points: a CJK
// character takes two terminal columns, and so does an emoji, however many code points it is
// made of. A running version is whatever the adapter reports, check names and gate names are
// the team's own words, and a pause reason quotes them: any of them may be in Japanese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import type { DeployStatus } from '../../workflows/messages.js';
import { renderTty, stripAnsi } from '../../src/cli/render.js';
import { truncateVisible, visibleWidth } from '../../src/cli/render/format.js';
import { table } from '../../src/domain/table.js';
import { displayWidth, truncateDisplay } from '../../src/domain/width.js';

/** The display column at which `needle` starts in `line`. */
const columnOf = (line: string, needle: string) => {
  const i = line.indexOf(needle);
  assert.ok(i >= 0, `${JSON.stringify(needle)} in ${JSON.stringify(line)}`);
  return stringWidth(line.slice(0, i));
};

const FAMILY = '👨‍👩‍👧'; // one glyph, two columns, five code points (three emoji joined by ZWJs)

test('display widths: CJK and emoji take two columns, combining marks and escape codes none', () => {
  assert.equal(displayWidth('1.4.2'), 5);
  assert.equal(displayWidth('修正版'), 6);
  assert.equal(displayWidth('🔥'), 2);
  assert.equal(displayWidth(FAMILY), 2);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('\x1b[31m修正\x1b[39m'), 4);
  assert.equal(visibleWidth('\x1b[1m1.4.1-修正版 🔥\x1b[22m'), 15);
});

test('a plan-style table lines up a gate named in Japanese with an emoji', () => {
  const rows = [
    ['stage', 'regions', 'customers', 'gate', 'approval'],
    ['1', 'ap-northeast-1', '1,200', '5xx 率 1% 未満 🚦', 'auto'],
    ['2', 'us-east-1', '310,000', '5xx under 1%', 'manual'],
  ];
  const lines = table(rows, { rightAligned: new Set([2]) }).split('\n');
  const approval = columnOf(lines[0], 'approval');
  assert.equal(columnOf(lines[1], 'auto'), approval, lines.join('\n'));
  assert.equal(columnOf(lines[2], 'manual'), approval, lines.join('\n'));
  // Right-aligned numbers end in the same column.
  const end = (l: string, s: string) => columnOf(l, s) + stringWidth(s);
  assert.equal(end(lines[1], '1,200'), end(lines[0], 'customers'));
  assert.equal(end(lines[2], '310,000'), end(lines[0], 'customers'));
});

function deployStatus(): DeployStatus {
  const at = (hms: string) => `2026-11-27T${hms}.000Z`;
  const gate = { name: '5xx 率 1% 未満', approval: 'auto' as const, state: 'pending' as const };
  const checks = [
    { name: 'エラー率', value: 0.042, samples: 5, breaches: 2, threshold: '<= 0.01', limits: { max: 0.01 } },
    { name: 'latency-p99', value: 0.2, samples: 5, breaches: 0, threshold: '<= 0.4', limits: { max: 0.4 } },
  ];
  const reason = 'エラー率 = 0.042 breached <= 0.01 2 times in a row in ap-northeast-1 🔥🔥 デプロイを止めました';
  return {
    service: 'checkout',
    version: '1.4.2',
    owner: 'payments-team',
    runbook: 'https://wiki.example.com/checkout/deploys',
    phase: 'paused',
    currentStage: 0,
    pausedReason: `ap-northeast-1: failed and rolled back to 1.4.1-修正版${FAMILY}: ${reason}`,
    stages: [
      {
        index: 0,
        regions: [
          { name: 'ap-northeast-1', customers: 1200, state: 'rolled_back', attempt: 1, fromVersion: `1.4.1-修正版${FAMILY}`, checks, error: reason },
        ],
        gate: { ...gate, state: 'failed' },
      },
      { index: 1, regions: [{ name: 'us-east-1', customers: 310000, state: 'pending', attempt: 1, fromVersion: '1.4.1', checks: [] }], gate },
    ],
    events: [{ at: at('10:00:00'), kind: 'started', message: 'deploy of checkout 1.4.2 started', by: 'ci' }],
    startedAt: at('10:00:00'),
  };
}

test('the live frame: a version in Japanese with an emoji keeps the columns; check names line up', () => {
  const frame = renderTty(deployStatus(), Date.parse('2026-11-27T10:30:00.000Z'), { colour: false });
  const lines = frame.split('\n');
  const head = lines.find((l) => l.startsWith('STAGE'))!;
  const tokyo = lines.find((l) => l.includes('ap-northeast-1') && l.includes('rolled_back'))!;
  const virginia = lines.find((l) => l.includes('us-east-1') && l.includes('pending'))!;
  // The column after VERSION (SOAK: "-" for both regions) starts in one display column.
  const soak = columnOf(head, 'SOAK');
  assert.equal(columnOf(tokyo, ' -') + 1, soak, frame);
  assert.equal(columnOf(virginia, ' -') + 1, soak, frame);
  // The checks under the region: values start in one column whatever the names are written in.
  const c1 = lines.find((l) => l.includes('エラー率') && l.includes('0.042'))!;
  const c2 = lines.find((l) => l.includes('latency-p99'))!;
  assert.equal(columnOf(c1, '0.042'), columnOf(c2, '0.2'), frame);
});

test('a frame cut to the terminal width fits it, though the pause reason is in Japanese', () => {
  for (const columns of [40, 60, 80]) {
    const frame = renderTty(deployStatus(), Date.parse('2026-11-27T10:30:00.000Z'), { colour: true, columns });
    for (const line of frame.split('\n')) {
      assert.ok(stringWidth(stripAnsi(line)) <= columns, `${stringWidth(stripAnsi(line))} > ${columns} columns: ${stripAnsi(line)}`);
    }
    assert.ok(frame.split('\n').some((l) => stripAnsi(l).startsWith('paused: ') && l.includes('…')), 'the reason is cut');
  }
});

test('cutting never splits a glyph: a wide character that would cross the edge goes, an emoji stays whole', () => {
  assert.equal(truncateDisplay('デプロイ失敗', 6), 'デプ…'); // 4 columns and the ellipsis: 5 <= 6
  assert.equal(truncateDisplay('デプロイ失敗', 7), 'デプロ…');
  assert.equal(truncateDisplay(`ok ${FAMILY}${FAMILY}`, 6), `ok ${FAMILY}…`);
  assert.equal(truncateDisplay(`ok ${FAMILY}${FAMILY}`, 5), 'ok …');
  assert.equal(truncateDisplay('短い', 4), '短い');
  // Escape codes are kept and reset after the cut.
  const cut = truncateVisible('\x1b[31mデプロイ失敗\x1b[39m', 7);
  assert.equal(cut, '\x1b[31mデプロ…\x1b[0m');
  assert.equal(visibleWidth(cut), 7);
});
