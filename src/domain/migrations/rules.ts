// The rules of the migration SQL lint (src/domain/migrations/lint.ts), each with why it exists.
interface RuleInfo {
  /** One sentence from practice: why the rule exists. */
  why: string;
}

export const MIGRATION_RULES = {
  'drop-table': {
    why: 'Old code still running in regions not yet deployed reads and writes the table; dropping it belongs in contract, after every region runs the new code.',
  },
  'drop-column': {
    why: 'Old code still running in regions not yet deployed reads and writes the column; dropping it belongs in contract, after every region runs the new code.',
  },
  'rename-table': {
    why: 'A rename is a drop for every query that uses the old name, and old code keeps using it until the last region is deployed.',
  },
  'rename-column': {
    why: 'A rename is a drop for every query that uses the old name, and old code keeps using it until the last region is deployed.',
  },
  'alter-column-type': {
    why: 'A type change rewrites the table under an ACCESS EXCLUSIVE lock and hands old code values of a type it was not written for.',
  },
  'set-not-null': {
    why: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, and old code that writes NULL starts failing.',
  },
  'add-column-not-null': {
    why: 'A NOT NULL column without a default fails on a table with rows, and every insert by old code, which does not know the column, fails.',
  },
  'drop-default': {
    why: 'Old code that omits the column relies on its default; without it those inserts write NULL or fail.',
  },
  'constraint-not-valid': {
    why: 'Adding a CHECK or FOREIGN KEY validates every row while holding a lock that blocks writes; NOT VALID adds it instantly and VALIDATE later takes a weaker lock.',
  },
  'unique-constraint': {
    why: 'A UNIQUE or PRIMARY KEY constraint builds its index under a lock that blocks writes, and it cannot be NOT VALID; an index built CONCURRENTLY can be attached instead.',
  },
  'index-concurrently': {
    why: 'CREATE INDEX without CONCURRENTLY blocks every write to the table for the whole build, in every region at once.',
  },
  'transaction-control': {
    why: 'Firebreak runs each file in one transaction with its record (statements that cannot run in one run alone), so a file must not open or close transactions itself.',
  },
  'sql-syntax': {
    why: 'A migration that does not parse fails when it runs, after the deploy has started.',
  },
} as const satisfies Record<string, RuleInfo>;

export type MigrationRule = keyof typeof MIGRATION_RULES;
