// The recordDeploy activity: writes a deploy's record to the records database named by the
// worker's FIREBREAK_RECORDS_URL (read here, so its password never enters workflow history).
// A database that cannot be reached fails the attempt, and Temporal retries it (bounded, see
// RECORD_RETRY); a worker without the variable writes nothing and says so.
import { RECORDS_URL_ENV, type RecordDeployInput, type RecordDeployResult } from '../src/domain/records/record.js';
import { upsertRecord, withRecords } from './records/store.js';

export function createRecordActivities({ env }: { env: NodeJS.ProcessEnv }) {
  return {
    async recordDeploy(record: RecordDeployInput): Promise<RecordDeployResult> {
      const url = env[RECORDS_URL_ENV];
      if (!url) return { written: false, reason: `${RECORDS_URL_ENV} is not set on the worker` };
      await withRecords(url, (c) => upsertRecord(c, record));
      return { written: true };
    },
  };
}
