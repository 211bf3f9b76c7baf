// What the flags every command shares mean (src/cli/main.ts declares them, as the Temporal CLI
// and kubectl spell them): -o/--output for what a command prints; -n/--namespace, --address and
// --profile for where it connects.
import { stringify } from 'yaml';
import type { ConnectOptions } from '../client/connect.js';
import { CliError } from './fail.js';

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Refused here, while the arguments are parsed, so a typo never starts a deploy. Case matters,
 * as in kubectl and the Temporal CLI: `-o JSON` is refused with the spelling that works.
 */
export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  const lower = value.toLowerCase();
  const hint = (OUTPUT_FORMATS as readonly string[]).includes(lower) ? ` (did you mean -o ${lower}?)` : '';
  throw new CliError(`-o/--output ${JSON.stringify(value)} is not one of ${OUTPUT_FORMATS.join(', ')}${hint}; nothing was started`);
}

export interface OutputFlags {
  output?: OutputFormat;
  /** The older spelling of `-o json`, kept for the scripts that use it. */
  json?: boolean;
}

/** The format asked for: `--json` is `-o json`; asking for two different ones is refused. */
export function outputFormat(opts: OutputFlags): OutputFormat {
  if (opts.json && opts.output !== undefined && opts.output !== 'json') {
    throw new CliError(`--json and -o ${opts.output} ask for two formats; pass one; nothing was started`);
  }
  return opts.json ? 'json' : (opts.output ?? 'text');
}

/** One JSON or YAML document on stdout. */
export function printDocument(format: Exclude<OutputFormat, 'text'>, value: unknown): void {
  // Through JSON first, so YAML holds exactly what -o json would (no undefined, dates as strings).
  const plain: unknown = JSON.parse(JSON.stringify(value));
  process.stdout.write(format === 'json' ? `${JSON.stringify(plain, null, 2)}\n` : stringify(plain));
}

export interface ConnectFlags {
  address?: string;
  namespace?: string;
  profile?: string;
}

/** Just the connection flags of a command's options, for connectClient. */
export function connectFlags(opts: ConnectFlags): ConnectOptions {
  return {
    ...(opts.address !== undefined ? { address: opts.address } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
  };
}
