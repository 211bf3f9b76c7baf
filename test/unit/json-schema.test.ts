// schema/pipeline.schema.json is generated from the zod schema (scripts/gen-schema.ts) and
// must match it exactly; and editors using it agree with the loader on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SCHEMA_PATH, schemaText } from '../../src/local/schema-file.js';
import { starterPipeline } from '../../src/domain/pipeline/init-template.js';

interface Schema {
  $schema?: string;
  type?: string | string[];
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
}

test('schema/pipeline.schema.json equals the generated one (run: npx tsx scripts/gen-schema.ts)', () => {
  assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), schemaText());
});

/** The subset of draft-07 the generated schema uses: enough to see what an editor would flag. */
function errors(schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.anyOf) return schema.anyOf.some((s) => errors(s, value, at).length === 0) ? [] : [`${at}: no branch matches`];
  const out: string[] = [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (schema.type) {
    const types: string[] = [schema.type].flat();
    const ok = types.some((t) => (t === 'integer' ? Number.isInteger(value) : t === type));
    if (!ok) return [`${at}: expected ${schema.type}`];
  }
  if ('const' in schema && value !== schema.const) out.push(`${at}: expected ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: not in enum`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${at}: pattern`);
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${at}: too short`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: below minimum`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${at}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${at}: too many items`);
    if (schema.items) value.forEach((v, i) => out.push(...errors(schema.items!, v, `${at}[${i}]`)));
  }
  if (type === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) out.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const prop = schema.properties?.[key];
      if (prop) out.push(...errors(prop, v, `${at}.${key}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${key}: unknown key`);
      else if (typeof schema.additionalProperties === 'object') out.push(...errors(schema.additionalProperties, v, `${at}.${key}`));
    }
  }
  return out;
}

const schema = JSON.parse(schemaText()) as Schema;
const dir = (kind: string) => fileURLToPath(new URL(`../fixtures/${kind}/`, import.meta.url));
const read = (file: string) => parse(readFileSync(file, 'utf8'));

test('every valid pipeline, the example and the starter satisfy the editor schema', () => {
  const files = [
    ...readdirSync(dir('valid')).map((f) => dir('valid') + f),
    fileURLToPath(new URL('../../examples/checkout.yaml', import.meta.url)),
  ];
  for (const file of files) assert.deepEqual(errors(schema, read(file)), [], file);
  assert.deepEqual(errors(schema, parse(starterPipeline('web'))), []);
});

test('the editor schema flags what the loader refuses for shape: unknown keys, enums, types', () => {
  for (const name of ['unknown-top-key.yaml', 'unknown-region-key.yaml', 'bad-day-tues.yaml', 'approval-typo.yaml', 'customers-bad.yaml', 'lint-allow-unknown-rule.yaml', 'json-unknown-key.json', 'missing-required.yaml', 'bad-region-name.yaml']) {
    assert.notDeepEqual(errors(schema, read(dir('invalid') + name)), [], name);
  }
});

test('a JSON pipeline may name its schema with $schema', () => {
  assert.equal(schema.properties?.$schema?.type, 'string');
  assert.equal(schema.required?.includes('$schema'), false);
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
});
