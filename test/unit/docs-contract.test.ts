// The repository stands on its own: it is cloned without anything beside it, so no file may
// send a reader elsewhere for the contract (a design note outside the repository, a section
// number of one, a tracker's numbers), every Markdown link lands on a file and heading inside
// the repository, and the editor schema describes every field it has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';

/** What a clone holds for readers and tools; node_modules and .git are never walked. */
const SCANNED = ['README.md', 'docs', 'src', 'workflows', 'activities', 'scripts', 'test', 'examples', 'bin', 'deploy', 'schema', '.ci', 'docker-compose.yml'];
const BINARY = new Set(['.png', '.jpg', '.jpeg', '.gif', '.ico', '.wasm', '.gz', '.zip']);

function walk(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return BINARY.has(extname(path)) ? [] : [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && e.name !== '.git')
    .flatMap((e) => walk(join(path, e.name)));
}

// Written so that none matches its own source line: this file is scanned too.
const OUTSIDE = [
  { pattern: /shared\//, what: 'a path into a folder beside the repository' },
  { pattern: /\bSPEC(\s*§|\.md)/, what: 'a section of an outside spec' },
  { pattern: /\bARCHITECTUR[E]\b/, what: 'an outside design note' },
  { pattern: /\bissues?\s+#?\d/i, what: "a tracker's issue number" },
];

test('no file cites anything outside the repository: say the reason, or link a page in docs/', () => {
  const hits: string[] = [];
  for (const file of SCANNED.flatMap((p) => walk(join(REPO_ROOT, p)))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const { pattern, what } of OUTSIDE) {
          if (pattern.test(line)) hits.push(`${relative(REPO_ROOT, file)}:${i + 1}: ${what}: ${line.trim().slice(0, 100)}`);
        }
      });
  }
  assert.deepEqual(hits, []);
});

/** Markdown without fenced code blocks and inline code: links and headings only count outside them. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

test('every Markdown link lands inside the repository, on a file and heading that exist', () => {
  const pages = [join(REPO_ROOT, 'README.md'), ...walk(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md'))];
  const broken: string[] = [];
  for (const page of pages) {
    const text = prose(readFileSync(page, 'utf8'));
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/<(https?:[^>\s]+)>/g)].map((m) => m[1]);
    for (const target of targets) {
      const where = `${relative(REPO_ROOT, page)} -> ${target}`;
      if (/^[a-z]+:/i.test(target)) {
        // The local stack's own pages are fine; anything else is a link outside the repository.
        if (!/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(target)) broken.push(`${where}: outside the repository`);
        continue;
      }
      const [path, anchor] = target.split('#');
      const file = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
      if (file !== REPO_ROOT.replace(/[\\/]$/, '') && !file.startsWith(REPO_ROOT.endsWith(sep) ? REPO_ROOT : REPO_ROOT + sep)) {
        broken.push(`${where}: outside the repository`);
      } else if (!existsSync(file)) {
        broken.push(`${where}: no such file`);
      } else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${where}: no such heading`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

interface JsonSchema {
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

/** Paths of every property, and of every object, without a description. */
function undescribed(node: JsonSchema, at: string): string[] {
  const out: string[] = [];
  if (node.properties && !node.description?.trim()) out.push(`${at} (object)`);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!child.description?.trim()) out.push(`${at}.${key}`);
    out.push(...undescribed(child, `${at}.${key}`));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) node[key]?.forEach((child, i) => out.push(...undescribed(child, `${at}|${key}[${i}]`)));
  [node.items ?? []].flat().forEach((child) => out.push(...undescribed(child, `${at}[]`)));
  if (typeof node.additionalProperties === 'object') out.push(...undescribed(node.additionalProperties, `${at}{}`));
  for (const key of ['$defs', 'definitions'] as const) {
    for (const [name, child] of Object.entries(node[key] ?? {})) out.push(...undescribed(child, `#${name}`));
  }
  return out;
}

test('the editor schema describes every field and object (add .describe() in src/domain/pipeline/schema.ts)', () => {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'pipeline.schema.json'), 'utf8')) as JsonSchema;
  assert.ok(Object.keys(schema.properties ?? {}).length > 10, 'the walk reached the pipeline fields');
  assert.deepEqual(undescribed(schema, '$'), []);
});
