// Reads a pipeline file (YAML or JSON), keeping every node's position so that each problem
// is reported as `file:line:col path: message`, all at once, never as a stack trace.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, isNode, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { pipelineSchema, type Pipeline } from './schema.js';
import { got, showValue, SHOWN_CHARS, suggest } from './suggest.js';

export interface Problem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export class PipelineError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'PipelineError';
  }
}

export interface Loaded {
  pipeline: Pipeline;
  file: string;
  /** Line of the node at a path (1-based), for findings that point into the file. */
  lineOf(path: (string | number)[]): number;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path || '(file)'}: ${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    // A key is written by the file, so a huge one is cut like any value shown in a message.
    const key = [...String(part)];
    const name = key.length > SHOWN_CHARS ? `${key.slice(0, SHOWN_CHARS - 1).join('')}…` : key.join('');
    out += typeof part === 'number' ? `[${part}]` : out ? `.${name}` : name;
  }
  return out;
}

export function loadPipelineFile(file: string): Loaded {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new PipelineError([{ file, line: 0, col: 0, path: '', message: why }]);
  }
  return parsePipeline(text, file);
}

export function parsePipeline(text: string, file = '<input>'): Loaded {
  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicate keys are reported by duplicateKeys() with their path, alongside
  // the schema's problems, instead of stopping the run at the first one.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  if (doc.errors.length > 0) {
    throw new PipelineError(
      doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: yamlMessage(e.code, e.message) })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // An undefined alias or an alias bomb: still a problem with a place, not a stack trace.
    const message = (err as Error).message.split('\n')[0];
    const where = unresolvedAlias(doc);
    throw new PipelineError([{ file, ...(where ? at(where) : { line: 1, col: 1 }), path: '', message }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineError([{ file, line: 1, col: 1, path: '', message: 'a pipeline file is a mapping (apiVersion: firebreak/v1, service: ...)' }]);
  }
  const lineOf = (path: (string | number)[]) => positionOf(doc, path, at).line;
  const problems = duplicateKeys(doc.contents, [], file, at);
  const result = pipelineSchema.safeParse(raw, { error: plainWords });
  if (!result.success) problems.push(...result.error.issues.flatMap((issue) => toProblems(issue, doc, file, at)));
  if (problems.length > 0 || !result.success) {
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new PipelineError(dedupe(problems));
  }
  return { pipeline: result.data, file, lineOf };
}

/** Offset of the first alias whose anchor is not defined before it, if any. */
function unresolvedAlias(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/** Every key written twice in one mapping, at the second occurrence, naming the first. */
function duplicateKeys(node: unknown, path: (string | number)[], file: string, at: At): Problem[] {
  const problems: Problem[] = [];
  if (isMap(node)) {
    const first = new Map<unknown, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      const pos = isNode(pair.key) && pair.key.range ? at(pair.key.range[0]) : { line: 1, col: 1 };
      if (first.has(key)) {
        problems.push({ file, ...pos, path: formatPath([...path, String(key)]), message: `duplicate key (first at line ${first.get(key)})` });
      } else {
        first.set(key, pos.line);
      }
      problems.push(...duplicateKeys(pair.value, [...path, String(key)], file, at));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => problems.push(...duplicateKeys(item, [...path, i], file, at)));
  }
  return problems;
}

/** The parser's message, first line only, reworded where it speaks to programmers. */
function yamlMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'one pipeline per file: remove the second document (after ---)';
  return message.split('\n')[0];
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type At = (offset: number) => { line: number; col: number };

/** Position of the deepest existing node along the path (a missing key points at its parent). */
function positionOf(doc: Document, path: readonly PropertyKey[], at: At, keyOf?: string) {
  let node: unknown = doc.contents;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === part);
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const next = node.items[part];
      if (!next) break;
      node = next;
    } else break;
  }
  if (keyOf && isMap(node)) {
    const pair = node.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === keyOf);
    if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
  }
  const range = isNode(node) ? (node as Node).range : undefined;
  return range ? at(range[0]) : { line: 1, col: 1 };
}

const KNOWN_KEYS: Record<string, string[]> = {};

function toProblems(issue: z.core.$ZodIssue, doc: Document, file: string, at: At): Problem[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const known = knownKeysAt(path);
      const hint = suggest(key, known);
      return {
        file,
        ...positionOf(doc, path, at, key),
        path: formatPath([...path, key]),
        message: `unknown key${got(key, hint)}${!hint && known.length ? ` (known: ${known.join(', ')})` : ''}`,
      };
    });
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest, rather than "invalid input".
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
    if (best.length > 0) return best.flatMap((i) => toProblems({ ...i, path: [...path, ...i.path] } as z.core.$ZodIssue, doc, file, at));
  }
  return [{ file, ...positionOf(doc, path, at), path: formatPath(path), message: issue.message }];
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

const plural = (n: number | bigint, word: string) => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

/**
 * The parse's error map: zod's issues in plain words. A message about a bad value ends with
 * what the file wrote (`; got "funday"`), then any did-you-mean for a misspelt choice. A message
 * written in the schema itself takes precedence over these, and follows the same form.
 */
const plainWords: z.core.$ZodErrorMap = (issue) => {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'required' : `expected ${NOUNS[issue.expected] ?? issue.expected}${got(input)}`;
    case 'invalid_value': {
      const values = issue.values;
      if (values.length === 1) return `must be ${showValue(values[0])}${got(input)}`;
      const words = values.filter((v): v is string => typeof v === 'string');
      const hint = typeof input === 'string' ? suggest(input, words) : undefined;
      return `must be one of ${values.map((v) => showValue(v)).join(', ')}${got(input, hint)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${plural(issue.minimum, 'item')}`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `needs at least ${plural(issue.minimum, 'character')}${got(input)}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${got(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `allows at most ${plural(issue.maximum, 'item')}`;
      if (issue.origin === 'string') return `allows at most ${plural(issue.maximum, 'character')}${got(input)}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}${got(input)}`;
    default:
      return undefined;
  }
};

/** Keys a strict object accepts at a path, walked through the schema itself (one source). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const cacheKey = path.map((p) => (typeof p === 'number' ? '#' : String(p))).join('/');
  if (KNOWN_KEYS[cacheKey]) return KNOWN_KEYS[cacheKey];
  let schema: z.core.$ZodType | undefined = pipelineSchema as unknown as z.core.$ZodType;
  const unwrap = (s: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    let cur = s;
    for (let i = 0; cur && i < 10; i++) {
      const def = (cur as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') cur = def.innerType as z.core.$ZodType;
      else if (def.type === 'pipe') cur = def.in as z.core.$ZodType;
      else break;
    }
    return cur;
  };
  for (const part of path) {
    schema = unwrap(schema);
    if (!schema) break;
    const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (typeof part === 'number' && def.type === 'array') schema = def.element as z.core.$ZodType;
    else if (def.type === 'object') schema = (def.shape as Record<string, z.core.$ZodType>)[String(part)];
    else if (def.type === 'record') schema = def.valueType as z.core.$ZodType;
    else schema = undefined;
  }
  schema = unwrap(schema);
  const def = schema && (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const keys = def?.type === 'object' ? Object.keys(def.shape as object) : [];
  KNOWN_KEYS[cacheKey] = keys;
  return keys;
}
