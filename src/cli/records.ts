// `firebreak records migrate` and `firebreak records import`: the records database's schema,
// and a backfill of the records of finished deploys that Temporal still keeps (those from before
// the records database, or whose final write failed). Import never replaces a final record.
import { RECORDS_URL_ENV } from '../domain/records/record.js';
import { markRolledBack, redactUrl, upsertRecord, withRecords } from '../../activities/records/store.js';
import { migrateRecords } from '../../activities/records/schema.js';
import { recordsFromRuns, rollbackMarks } from '../client/records.js';
import { client } from './common.js';
import type { ConnectFlags } from './output.js';
import { CliError } from './fail.js';
import { oneLine } from './no-answer.js';
import { finishedRuns, periodOf } from './review.js';

function recordsUrl(): string {
  const url = process.env[RECORDS_URL_ENV];
  if (!url) throw new CliError(`${RECORDS_URL_ENV} is not set: it names the records database (postgres://...)`);
  return url;
}

export async function recordsMigrateCommand(): Promise<void> {
  const url = recordsUrl();
  const applied = await withRecords(url, (c) => migrateRecords(c), { migrate: false }).catch((err: unknown) => {
    throw new CliError(`records migrate: ${oneLine(err)}`);
  });
  process.stdout.write(`${redactUrl(url)}: ${applied ? `applied ${applied} schema step${applied === 1 ? '' : 's'}` : 'schema up to date'}\n`);
}

export async function recordsImportCommand(opts: ConnectFlags & { since?: string; quarter?: string; service?: string }): Promise<void> {
  const url = recordsUrl();
  const period = periodOf(opts);
  const c = await client(opts);
  const runs = await finishedRuns(c, period, opts.service);
  const records = recordsFromRuns(runs);
  const written = await withRecords(url, async (db) => {
    let n = 0;
    for (const r of records) if (await upsertRecord(db, r, { keepFinal: true })) n++;
    for (const m of rollbackMarks(runs)) await markRolledBack(db, m.workflowId, m.runId, m.at, m.by);
    return n;
  }).catch((err: unknown) => {
    throw new CliError(`records import: ${oneLine(err)}`);
  });
  process.stdout.write(`${period.label}: ${records.length} finished deploy${records.length === 1 ? '' : 's'} in Temporal, ${written} written, ${records.length - written} already recorded\n`);
}
