// Which commit a deploy ships, and when it was made: the flags first (`deploy --commit SHA
// --commit-time T`), else the CI's environment: GitHub Actions' GITHUB_SHA (no time: GitHub
// gives none), GitLab CI's CI_COMMIT_SHA and CI_COMMIT_TIMESTAMP. Pure: the environment is given.
import { parseCommitTime, type CommitInfo } from './record.js';

export class CommitError extends Error {
  override name = 'CommitError';
}

const SHA = /^[0-9a-f]{7,64}$/i;

export function commitOf(flags: { commit?: string; commitTime?: string }, env: Record<string, string | undefined>): CommitInfo | undefined {
  if (flags.commitTime !== undefined && flags.commit === undefined && !env.GITHUB_SHA && !env.CI_COMMIT_SHA) {
    throw new CommitError('--commit-time needs --commit SHA (or a CI environment that names the commit)');
  }
  const sha = flags.commit ?? env.CI_COMMIT_SHA ?? env.GITHUB_SHA;
  if (sha === undefined || sha === '') return undefined;
  if (!SHA.test(sha)) throw new CommitError(`--commit ${JSON.stringify(sha)} is not a commit SHA (7 to 64 hex digits)`);
  // The CI's time belongs to the CI's commit only: with --commit, only --commit-time counts.
  const rawTime = flags.commitTime ?? (flags.commit === undefined ? env.CI_COMMIT_TIMESTAMP : undefined);
  if (rawTime === undefined || rawTime === '') return { sha: sha.toLowerCase() };
  const time = parseCommitTime(rawTime);
  if (!time) throw new CommitError(`--commit-time ${JSON.stringify(rawTime)} is not a time (ISO 8601 with a zone, like 2026-12-01T09:30:00Z, or Unix seconds)`);
  return { sha: sha.toLowerCase(), time };
}
