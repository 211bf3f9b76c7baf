// Writes schema/pipeline.schema.json, the editor JSON Schema, from the zod schema (the single
// source). Run after changing src/pipeline/schema.ts:  npx tsx scripts/gen-schema.ts
// test/unit/json-schema.test.ts fails while the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchema } from '../src/pipeline/schema.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../schema/pipeline.schema.json', import.meta.url));

/** The file's exact text: stable key order from the schema, two-space indent, final newline. */
export function schemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
