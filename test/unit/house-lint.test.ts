// The map of the house (LAYERS in eslint.config.js; docs/design.md opens with it) is what ESLint
// enforces: eslint-plugin-boundaries refuses an import the map does not allow, import-x/no-cycle
// refuses a cycle between files. Each test writes real files into the tree and lints them with
// the project's own config, then removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../../src/local/tools.js';

interface Layer { layer: string; may: string[]; types?: string[] }
// A path in a variable: eslint.config.js is plain JavaScript, outside the TypeScript program.
const CONFIG = join(REPO_ROOT, 'eslint.config.js');
const { LAYERS } = (await import(CONFIG)) as { LAYERS: Layer[] };

/** Writes `files` (repo-relative path -> text), lints them with the project's config, removes them. */
async function lintFiles(files: Record<string, string>): Promise<{ file: string; rule: string | null; message: string }[]> {
  const paths = Object.keys(files).map((f) => join(REPO_ROOT, f));
  try {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(REPO_ROOT, f)), { recursive: true });
      writeFileSync(join(REPO_ROOT, f), text);
    }
    const results = await new ESLint({ cwd: REPO_ROOT }).lintFiles(paths);
    return results.flatMap((r) => r.messages.map((m) => ({ file: r.filePath.slice(REPO_ROOT.length), rule: m.ruleId, message: m.message })));
  } finally {
    for (const f of Object.keys(files)) rmSync(dirname(join(REPO_ROOT, f)), { recursive: true, force: true });
  }
}

const probe = (layer: string) => `${layer}/zz-lint-probe-${process.pid}`;

test('the map is layered: no folder may import one that may import it back', () => {
  const may = new Map(LAYERS.map((l) => [l.layer, [...l.may, ...(l.types ?? [])]]));
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    (may.get(from) ?? []).some((n) => n === to || (!seen.has(n) && (seen.add(n), reaches(n, to, seen))));
  for (const { layer } of LAYERS) assert.ok(!reaches(layer, layer), `${layer} reaches itself through the map`);
  assert.deepEqual(may.get('domain'), [], 'the domain imports nothing of ours');
  assert.ok(!may.get('scripts')!.includes('test') && !may.get('test')!.includes('scripts'), 'scripts and test never import each other');
});

test('an upward import is refused: the domain may not import the CLI, the client may not import the local stack', async () => {
  const got = await lintFiles({
    [`${probe('src/domain')}/up.ts`]: `import { CliError } from '../../cli/fail.js';\nexport const e = CliError;\n`,
    [`${probe('src/client')}/up.ts`]: `import { freePort } from '../../local/ports.js';\nexport const p = freePort;\n`,
  });
  assert.equal(got.length, 2, JSON.stringify(got));
  assert.ok(got.every((m) => m.rule === 'boundaries/dependencies'));
  assert.match(got.find((m) => m.file.includes('src/domain'))!.message, /"domain" to elements of type "cli"/);
  assert.match(got.find((m) => m.file.includes('src/client'))!.message, /"client" to elements of type "local"/);
});

test('activities are types only to the workflow and the client: a value import fails, `import type` passes', async () => {
  const got = await lintFiles({
    [`${probe('src/client')}/types.ts`]: `import type { Target } from '../../../activities/types.js';\nexport type T = Target;\n`,
    [`${probe('src/client')}/value.ts`]: `import { createActivities } from '../../../activities/index.js';\nexport const c = createActivities;\n`,
  });
  assert.deepEqual(got.map((m) => [m.file.replace(/.*\//, ''), m.rule]), [['value.ts', 'boundaries/dependencies']]);
});

test('scripts/ and test/ never import each other', async () => {
  const got = await lintFiles({
    [`${probe('scripts')}/x.ts`]: `import { activityEnv } from '../../test/helpers/deploys.js';\nexport const p = activityEnv;\n`,
    [`${probe('test')}/x.ts`]: `import '../../scripts/gen-schema.js';\n`,
  });
  assert.equal(got.filter((m) => m.rule === 'boundaries/dependencies').length, 2, JSON.stringify(got));
});

test('a cycle between files is refused, even inside one folder', async () => {
  const dir = probe('src/domain');
  const got = await lintFiles({
    [`${dir}/a.ts`]: `import { b } from './b.js';\nexport const a = () => b;\n`,
    [`${dir}/b.ts`]: `import { c } from './c.js';\nexport const b = () => c;\n`,
    [`${dir}/c.ts`]: `import { a } from './a.js';\nexport const c = () => a;\n`,
    [`${dir}/d.ts`]: `import { b } from './b.js';\nexport const d = b;\n`,
  });
  const cycles = got.filter((m) => m.rule === 'import-x/no-cycle');
  assert.deepEqual(cycles.map((m) => m.file.replace(/.*\//, '')).sort(), ['a.ts', 'b.ts', 'c.ts'], 'into a cycle (d.ts) is not a cycle');
});

test('workflow state has one door and one clock: a region state assigned directly, or Date read directly, is refused', async () => {
  const got = await lintFiles({
    [`${probe('workflows')}/door.ts`]: [
      "import type { RegionStatus } from '../messages.js';",
      "export function fail(region: RegionStatus): void {",
      "  region.state = 'failed';",
      '}',
      'export const at = (): number => Date.now();',
      'export const when = (): Date => new Date();',
      'export const parsed = (ms: number): Date => new Date(ms);',
      '',
    ].join('\n'),
  });
  const doors = got.filter((m) => m.rule === 'no-restricted-syntax').map((m) => m.message);
  assert.equal(doors.length, 3, JSON.stringify(got));
  assert.match(doors[0], /DeployState\.setRegionState/);
  assert.match(doors[1], /DeployState\.now/);
  assert.match(doors[2], /DeployState\.now/);
});
