// schema/pipeline.schema.json, the editor JSON Schema, is generated from the zod schema (the
// single source): scripts/gen-schema.ts writes it, test/unit/json-schema.test.ts fails while the
// committed file is out of date.
import { pipelineJsonSchema } from '../domain/pipeline/schema.js';
import { SCHEMA_FILE } from '../domain/pipeline/init-template.js';

export const SCHEMA_PATH = SCHEMA_FILE;

/** The file's exact text: stable key order from the schema, two-space indent, final newline. */
export function schemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
