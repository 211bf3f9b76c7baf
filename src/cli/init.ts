// `firebreak init`: a two-region starter pipeline (smallest and largest), never overwriting;
// --target picks its deploy recipe (helm, kubectl, or the native kubernetes adapter).
import { existsSync, writeFileSync } from 'node:fs';
import { INIT_TARGETS, schemaRefFor, starterPipeline, type InitTarget } from '../domain/pipeline/init-template.js';
import { CliError } from './fail.js';

export async function initCommand(opts: { service?: string; file: string; target?: string }): Promise<void> {
  const target = opts.target ?? 'helm';
  if (!(INIT_TARGETS as readonly string[]).includes(target)) {
    throw new CliError(`--target ${JSON.stringify(target)} is not one of ${INIT_TARGETS.join(', ')}; nothing was written`);
  }
  if (existsSync(opts.file)) throw new CliError(`${opts.file} already exists; not overwriting it (use --file PATH)`);
  // The $schema comment points at this checkout's schema, relative to where the file is written.
  writeFileSync(opts.file, starterPipeline(opts.service, { schemaRef: schemaRefFor(opts.file), target: target as InitTarget }));
  process.stdout.write(`wrote ${opts.file}: check it with  firebreak plan ${opts.file} --strict\n`);
}
