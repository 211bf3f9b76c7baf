// One lint finding: a policy rule of the pipeline, or a rule of the migration SQL lint.
import type { MigrationRule } from '../migrations/rules.js';
import type { LintRule } from './schema.js';

export type Severity = 'warning' | 'error';

export interface Finding {
  /** A policy rule (RULES), or a rule of the migration SQL lint (src/domain/migrations/lint.ts). */
  rule: LintRule | MigrationRule;
  severity: Severity;
  message: string;
  /** 1-based line in the pipeline file the finding points at. */
  line: number;
  /** One sentence from practice: why the rule exists. */
  why: string;
  /**
   * The written reason from `lint.allow`, when the pipeline silences this rule (for a migration
   * SQL rule: from a `-- firebreak:allow RULE: reason` comment above the statement).
   */
  silenced?: string;
  /** Migration SQL findings: the SQL file (as the pipeline names it) and the line in it. */
  sql?: { file: string; line: number };
  /** Migration SQL findings: the expand/contract rewrite that would be safe. */
  fix?: string;
}
