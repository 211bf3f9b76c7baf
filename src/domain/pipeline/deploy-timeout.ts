// How long one region's deploy may take: `deploy.timeout`, which the schema always fills. The
// workflow's activity timeout and the adapters' own limits read it here. Pure: the workflow
// imports it.
import { parseDuration } from './duration.js';

/** The schema's default for `deploy.timeout`. */
export const DEFAULT_DEPLOY_TIMEOUT = '15m';

export function deployTimeoutMs(deploy: { timeout?: string }): number {
  // Only a plan built without the schema (a hand-made test plan) can lack a valid timeout.
  return parseDuration(deploy.timeout ?? DEFAULT_DEPLOY_TIMEOUT) ?? parseDuration(DEFAULT_DEPLOY_TIMEOUT)!;
}
