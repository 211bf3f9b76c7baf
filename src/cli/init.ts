// `firebreak init`: a two-region starter pipeline (smallest and largest), never overwriting.
import { existsSync, writeFileSync } from 'node:fs';
import { starterPipeline } from '../pipeline/init-template.js';
import { CliError } from './fail.js';

export async function initCommand(opts: { service?: string; file: string }): Promise<void> {
  if (existsSync(opts.file)) throw new CliError(`${opts.file} already exists; not overwriting it (use --file PATH)`);
  writeFileSync(opts.file, starterPipeline(opts.service));
  process.stdout.write(`wrote ${opts.file}: check it with  firebreak plan ${opts.file} --strict\n`);
}
