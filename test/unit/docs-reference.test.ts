// The reference pages name what the code defines. Each list is read from the code (the
// workflow's message definitions, the commander program, the zod schema), so a new signal,
// command, flag or pipeline field fails here until docs/ describes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import * as messages from '../../workflows/messages.js';
import { COMMANDS } from '../../workflows/inputs.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { FailureType } from '../../src/domain/failures.js';
import { EXIT_MEANINGS } from '../../src/cli/fail.js';
import { WORKFLOW_TYPE } from '../../src/client/workflow.js';
import { DEFAULT_TASK_QUEUE, workflowIdFor } from '../../src/domain/names.js';
import { parsePipeline, formatProblem, PipelineError } from '../../src/domain/pipeline/load.js';
import { templated } from '../../src/domain/pipeline/schema.js';

const read = (...path: string[]) => readFileSync(join(REPO_ROOT, ...path), 'utf8');
const missing = (page: string, names: Iterable<string>) => [...new Set(names)].filter((n) => !page.includes(`\`${n}\``));

/** Names given to defineSignal/defineUpdate/defineQuery anywhere in workflows/, by kind. */
function definedMessages(): { kind: string; name: string }[] {
  const out: { kind: string; name: string }[] = [];
  for (const file of readdirSync(join(REPO_ROOT, 'workflows')).filter((f) => f.endsWith('.ts'))) {
    for (const m of read('workflows', file).matchAll(/\bdefine(Signal|Update|Query)\b[^(;]*\(\s*['"`]([^'"`]+)['"`]/g)) {
      out.push({ kind: m[1].toLowerCase(), name: m[2] });
    }
  }
  return out;
}

test('docs/temporal.md names every signal, update and query the workflow defines', () => {
  const defined = definedMessages();
  // The static scan must see what the module exports at run time, or it is broken.
  const exported = Object.values(messages).flatMap((v) =>
    v && typeof v === 'object' && 'type' in v && 'name' in v && typeof v.name === 'string' ? [{ kind: String(v.type), name: v.name }] : [],
  );
  assert.ok(exported.length > 0);
  for (const e of exported) assert.ok(defined.some((d) => d.kind === e.kind && d.name === e.name), `scan found ${e.kind} ${e.name}`);
  for (const command of COMMANDS) assert.ok(defined.some((d) => d.name === command), `${command} is defined`);
  assert.deepEqual(missing(read('docs', 'temporal.md'), defined.map((d) => d.name)), []);
});

test('docs/temporal.md names the workflow type, task queue, id, search attributes, event kinds and failure types', () => {
  const page = read('docs', 'temporal.md');
  const names = [
    WORKFLOW_TYPE,
    DEFAULT_TASK_QUEUE,
    workflowIdFor('<service>'),
    ...SEARCH_ATTRIBUTES.map((a) => a.name),
    ...messages.DEPLOY_EVENT_KINDS,
    ...Object.values(FailureType),
  ];
  assert.deepEqual(missing(page, names), []);
});

/** The top-level commands, from the program's own help (commander lists them under "Commands:"). */
function topLevelCommands(): string[] {
  const help = execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), '--help'], { encoding: 'utf8' });
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
}

test('docs/cli.md documents every firebreak command and every flag src/cli/main.ts declares', () => {
  const page = read('docs', 'cli.md');
  const commands = topLevelCommands();
  assert.ok(commands.includes('deploy') && commands.length > 10, `read the commands from --help: ${commands.join(', ')}`);
  assert.deepEqual(commands.filter((c) => !page.includes(`firebreak ${c}`)), []);
  // Flags as declared: the option string starts the literal ('--wait', '-o, --output <x>').
  const flags = [...read('src', 'cli', 'main.ts').matchAll(/['"`](?:-\w, )?(--[a-z][a-z-]*)/g)].map((m) => m[1]);
  assert.ok(flags.includes('--wait-timeout'));
  assert.deepEqual(missing(page, flags).filter((f) => !page.includes(`\`${f} `)), []);
});

test("docs/cli.md's exit codes are the ones in src/cli/fail.ts", () => {
  const rows = read('docs', 'cli.md').replace(/`/g, '');
  for (const [code, meaning] of EXIT_MEANINGS) assert.ok(rows.includes(`| ${code} | ${meaning} |`), `exit ${code}: ${meaning}`);
});

/** Every property name in the editor schema (generated from the zod schema), at any depth. */
function fieldNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => fieldNames(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value && typeof value === 'object') Object.keys(value).forEach((k) => out.add(k));
      fieldNames(value, out);
    }
  }
  return out;
}

test('docs/pipeline.md names every field of the schema and every template the schema accepts', () => {
  const page = read('docs', 'pipeline.md');
  const fields = fieldNames(JSON.parse(read('schema', 'pipeline.schema.json')));
  assert.ok(fields.has('failAfter') && fields.has('onFailure'));
  // In backticks, alone or as the last part of a path: `url`, `prometheus.url`, `allow[].rule`.
  const named = (key: string) => new RegExp(`\`(?:[\\w$\\[\\]]+\\.)*${key.replace(/\$/g, '\\$')}\``).test(page);
  assert.deepEqual([...fields].filter((f) => !named(f)), []);
  // The schema's refusal of an unknown template lists the ones it accepts.
  const refusal = templated.safeParse('{{no-such-template-name}}').error?.issues[0]?.message ?? '';
  const templates = [...refusal.matchAll(/\{\{([A-Za-z]+)\}\}/g)].map((m) => `{{${m[1]}}}`);
  assert.ok(templates.includes('{{region}}'), refusal);
  assert.deepEqual(missing(page, templates), []);
});

test("docs/pipeline.md's complete example is a valid pipeline", () => {
  const page = read('docs', 'pipeline.md');
  const example = page.split('## A complete example')[1]?.match(/```yaml\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'the page has a complete example');
  try {
    parsePipeline(example, 'docs/pipeline.md');
  } catch (err) {
    if (err instanceof PipelineError) assert.fail(err.problems.map(formatProblem).join('\n'));
    throw err;
  }
});
