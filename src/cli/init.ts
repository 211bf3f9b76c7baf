// `firebreak init`: a two-region starter pipeline (smallest and largest), never overwriting.
import { existsSync, writeFileSync } from 'node:fs';
import { schemaRefFor, starterPipeline } from '../domain/pipeline/init-template.js';
import { CliError } from './fail.js';

export async function initCommand(opts: { service?: string; file: string }): Promise<void> {
  if (existsSync(opts.file)) throw new CliError(`${opts.file} already exists; not overwriting it (use --file PATH)`);
  // The $schema comment points at this checkout's schema, relative to where the file is written.
  writeFileSync(opts.file, starterPipeline(opts.service, { schemaRef: schemaRefFor(opts.file) }));
  process.stdout.write(`wrote ${opts.file}: check it with  firebreak plan ${opts.file} --strict\n`);
}
