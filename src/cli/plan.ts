// `firebreak plan FILE`: the documented sequence, the earliest finish, the lint findings.
import { loadSqlParser } from '../domain/migrations/steps.js';
import { runPlanCommand } from '../domain/pipeline/render-plan.js';
import { formatProblem, loadPipelineFile, PipelineError } from '../domain/pipeline/load.js';
import { plan } from '../domain/pipeline/plan.js';
import { diffPlans, renderPlanDiff } from '../domain/pipeline/plan-diff.js';
import { CliError } from './fail.js';
import { outputFormat, type OutputFlags } from './output.js';
import { stringify } from 'yaml';
import { ciHost, lintReport } from './ci/host.js';

export async function planCommand(file: string, opts: OutputFlags & { version?: string; strict?: boolean; diff?: string }): Promise<void> {
  const format = outputFormat(opts);
  const json = format !== 'text'; // YAML is the JSON document, converted at the end
  // The lint reads migration SQL with PostgreSQL's parser (WebAssembly): loaded here, when a
  // command lints, not when a module is imported.
  await loadSqlParser();
  const version = opts.version ?? '<version>';
  const out = runPlanCommand(file, { version, json, strict: opts.strict });
  // --diff: what the change does to the rollout, once the new file is valid.
  if (opts.diff !== undefined && !out.problems) {
    const lines = diffAgainst(opts.diff, file, version);
    if (json) out.stdout = `${JSON.stringify({ ...(JSON.parse(out.stdout) as object), diff: { against: opts.diff, changes: lines } }, null, 2)}\n`;
    else out.stdout = `${out.stdout.replace(/\n$/, '')}\n${renderPlanDiff(opts.diff, lines)}`;
  }
  if (format === 'yaml' && out.stdout) out.stdout = stringify(JSON.parse(out.stdout));
  if (out.stdout) process.stdout.write(out.stdout.endsWith('\n') ? out.stdout : `${out.stdout}\n`);
  if (out.stderr) process.stderr.write(out.stderr.endsWith('\n') ? out.stderr : `${out.stderr}\n`);
  // Under GitHub Actions each problem and finding becomes an annotation on its file and line.
  const annotations = json ? process.stderr : process.stdout; // -o json/yaml: stdout stays one document
  for (const line of lintReport(ciHost(), out.file ?? file, out)) annotations.write(`${line}\n`);
  process.exitCode = out.exitCode;
}

/** The diff of the old pipeline's plan against the new one's; an invalid old file is one line. */
function diffAgainst(oldFile: string, file: string, version: string): string[] {
  let old;
  try {
    old = loadPipelineFile(oldFile);
  } catch (err) {
    if (err instanceof PipelineError) throw new CliError(`--diff ${oldFile} is not a valid pipeline (${formatProblem(err.problems[0])}); nothing to compare`);
    throw new CliError(`--diff ${oldFile}: ${(err as Error).message}`);
  }
  return diffPlans(plan(old.pipeline, version), plan(loadPipelineFile(file).pipeline, version));
}
