// The map of the house: each folder and what it may import besides itself and packages
// (docs/design.md, "The map of the house", says the same in words). The ESLint rule
// firebreak/import-boundaries enforces it; firebreak/no-import-cycles forbids cycles anywhere.
//
// `types` lists folders that may be imported with `import type` only (erased at build time:
// no code runs across that line). Folders not listed here (scripts/, test/, bin/) may import
// anything. The most specific entry (longest folder) applies.

/**
 * Pure model: the pipeline file, its plan and lint, migration steps, notification limits, text,
 * failure type names;
 * and the few pure activity files the workflow and the CLI share (limits, check values, the
 * watch's tally).
 */
const SHARED_ACTIVITY_FILES = ['activities/limits.ts', 'activities/checks/value.ts', 'activities/checks/tally.ts'];
const MODEL = ['src/pipeline', 'src/migrations', 'src/notify', 'src/text', 'src/failures', ...SHARED_ACTIVITY_FILES];

export const HOUSE = [
  { folder: 'src/pipeline', may: MODEL },
  { folder: 'src/migrations', may: MODEL },
  { folder: 'src/notify', may: MODEL },
  { folder: 'src/text', may: [] },
  { folder: 'src/failures', may: [] },
  // Plain numbers, imported by the deterministic workflow: imports nothing.
  { folder: 'activities/limits.ts', may: [] },
  { folder: 'activities/checks/value.ts', may: [], types: ['src/pipeline'] },
  { folder: 'activities/checks/tally.ts', may: [], types: ['activities', 'workflows'] },
  // Deterministic: the sandbox bundles these. Activities are called through proxyActivities.
  { folder: 'workflows', may: MODEL, types: ['activities'] },
  { folder: 'activities', may: MODEL, types: ['workflows'] },
  // Services around the workflow: servers, the simulator, the client side of a deploy.
  { folder: 'src/temporal', may: [...MODEL, 'workflows'], types: ['activities'] },
  { folder: 'src/sim', may: MODEL },
  { folder: 'src/review', may: MODEL, types: ['workflows', 'activities'] },
  { folder: 'src/deploy', may: [...MODEL, 'workflows', 'src/temporal'], types: ['activities'] },
  // The worker is the one place (besides tests) that runs activity code.
  { folder: 'src/worker', may: [...MODEL, 'workflows', 'activities', 'src/temporal'] },
  { folder: 'src/dev', may: [...MODEL, 'workflows', 'src/temporal', 'src/sim', 'src/worker'], types: ['activities'] },
  // The CLI is the top: it may use everything; nothing else imports it.
  {
    folder: 'src/cli',
    may: [...MODEL, 'workflows', 'src/temporal', 'src/sim', 'src/review', 'src/deploy', 'src/worker', 'src/dev'],
    types: ['activities'],
  },
];
