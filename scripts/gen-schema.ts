// Writes schema/pipeline.schema.json, the editor JSON Schema, from the zod schema (the single
// source). Run after changing src/domain/pipeline/schema.ts:  npx tsx scripts/gen-schema.ts
// test/unit/json-schema.test.ts fails while the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { SCHEMA_PATH, schemaText } from '../src/local/schema-file.js';

writeFileSync(SCHEMA_PATH, schemaText());
process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
