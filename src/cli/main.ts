// The `firebreak` command line (docs/cli.md). Each command lives in its own module; this file
// only wires arguments and turns every failure into one clear line and an exit code.
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT, EXIT_MEANINGS } from './fail.js';
import { PipelineError, formatProblem } from '../domain/pipeline/load.js';
import { ABORT_SCOPES, COMMANDS, type Command as OperatorCommand } from '../../workflows/inputs.js';
import { parseOutputFormat } from './output.js';

const program = new Command('firebreak')
  .description('Multi-region deploys on Temporal: smallest region first, soaked, gated, rolled back automatically.')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str) })
  .showHelpAfterError('(run firebreak help for usage)');

const taskQueueOption = () => new Option('--task-queue <queue>', 'Temporal task queue').env('FIREBREAK_TASK_QUEUE').default('firebreak');

// Every command that prints a document: -o as kubectl and the Temporal CLI have it; the older
// --json beside it means -o json.
const outputOption = () => new Option('-o, --output <format>', 'text (default), json or yaml').argParser(parseOutputFormat);

program
  .command('deploy')
  .argument('<file>', 'pipeline file (YAML or JSON)')
  .requiredOption('--version <version>', 'the version to deploy')
  .option('--previous <version>', 'rollback target when the adapter cannot read the running version')
  .option('--wait', 'follow the deploy until it ends or pauses for an operator')
  .addOption(outputOption())
  .option('--json', 'print one JSON document on stdout (-o json)')
  .option('--wait-timeout <duration>', 'with --wait: stop waiting (not the deploy) after this long, e.g. 90m (exit 5)')
  .option('--supersede', 'abort the running deploy of this service, then start this one')
  .option('--by <user>', 'who starts the deploy (recorded in its audit trail)')
  .option('--hotfix', "the pipeline's hotfix lane: soaks scaled by hotfix.soakScale, never below hotfix.minSoak (needs --reason)")
  .option('--override-freeze', 'pass any freeze of this service (needs --reason; recorded at each freeze passed)')
  .option('--reason <text>', 'why: for --hotfix and --override-freeze, recorded in the audit trail')
  .option('--commit <sha>', 'the commit this version was built from (default: GITHUB_SHA or CI_COMMIT_SHA): kept in the deploy record')
  .option('--commit-time <time>', 'when that commit was made (ISO 8601 or Unix seconds; default: CI_COMMIT_TIMESTAMP): lead time starts here')
  .addOption(taskQueueOption())
  .description('start (or attach to, or queue behind the running deploy under train.mode queue) a deploy')
  .addHelpText('after', `\nExit codes:\n${EXIT_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')}\n`)
  .action(async (file, opts) => (await import('./deploy.js')).deployCommand(file, opts));

program
  .command('status')
  .argument('<id>', 'workflow id (deploy-<service>) or service name')
  .addOption(outputOption())
  .option('--json', 'print the status query result as JSON (-o json)')
  .option('--watch', 'follow the deploy until it ends or pauses')
  .option('--query-timeout <seconds>', 'how long to wait for a worker to answer', (v) => Number(v), 10)
  .description('show a deploy: phase, regions, checks, gates and events')
  .action(async (id, opts) => (await import('./status.js')).statusCommand(id, opts));

// The operator commands are the workflow's (workflows/inputs.ts): a new one fails to compile
// here until it has a description.
const OPERATOR_COMMANDS: Record<OperatorCommand, string> = {
  pause: 'stop promotion (watching goes on; a breach still rolls back)',
  resume: 'lift an operator pause',
  approve: 'approve a manual or inconclusive gate',
  retry: 'redeploy a failed region (or re-soak an inconclusive one) and carry on',
  abort: 'end the deploy, rolling back as asked',
};
for (const name of COMMANDS) {
  const what = OPERATOR_COMMANDS[name];
  program
    .command(name)
    .argument('<id>', 'workflow id (deploy-<service>) or service name')
    .option('--region <region>', 'the region (approve, retry)')
    .option('--reason <text>', 'why (pause, abort)')
    .option('--by <user>', 'who is acting (default: $FIREBREAK_USER or $USER)')
    .addOption(new Option('--rollback <scope>', 'abort: what to roll back').choices(ABORT_SCOPES))
    .addOption(outputOption())
    .option('--json', 'print the new status as JSON (-o json)')
    .description(what)
    .action(async (id, opts) => (await import('./operate.js')).operateCommand(name, id, opts));
}

program
  .command('freeze')
  .argument('[services...]', 'the services to freeze (or --all)')
  .option('--all', 'freeze every service')
  .option('--reason <text>', 'why (required)')
  .option('--from <time>', 'start then: an ISO time, or a duration from now (2h); default now')
  .option('--until <time>', 'end then by itself: an ISO time, or a duration from now; default: until unfreeze')
  .option('--list', 'list the freezes, in force and scheduled')
  .option('--by <user>', 'who freezes (default: $FIREBREAK_USER or $USER)')
  .addOption(taskQueueOption())
  .addOption(outputOption())
  .option('--json', 'the answer as JSON (-o json)')
  .description('stop the line: deploys of these services (or all) hold at their next gate, and new ones touch no region')
  .action(async (services, opts) => (await import('./freeze.js')).freezeCommand(services, opts));

program
  .command('unfreeze')
  .argument('[services...]', 'the services to unfreeze (or --all)')
  .option('--all', 'lift every freeze')
  .option('--reason <text>', 'why')
  .option('--by <user>', 'who unfreezes (default: $FIREBREAK_USER or $USER)')
  .addOption(taskQueueOption())
  .addOption(outputOption())
  .option('--json', 'the answer as JSON (-o json)')
  .description('lift a freeze: held deploys go on by themselves')
  .action(async (services, opts) => (await import('./freeze.js')).unfreezeCommand(services, opts));

program
  .command('rollback')
  .argument('<service>', 'the service to take back')
  .requiredOption('--reason <text>', 'why (recorded in its audit trail)')
  .option('--to <version>', 'every region to this version (default: each region to the version it ran before the last deploy)')
  .option('--in-order', 'region by region in the stage order (default: every region at once)')
  .option('--wait', 'follow the rollback until every region is back (exit 0) or a region failed (exit 1)')
  .option('--by <user>', 'who rolls back (default: $FIREBREAK_USER or $USER)')
  .addOption(outputOption())
  .option('--json', 'one JSON document on stdout (-o json)')
  .addOption(taskQueueOption())
  .description('roll a deploy back fast (no soaks, no windows; aborts a running deploy first), then hold the train until release')
  .action(async (service, opts) => (await import('./rollback.js')).rollbackCommand(service, opts));

program
  .command('release')
  .argument('<service>', 'the service whose train a rollback holds')
  .requiredOption('--reason <text>', 'why the train may move again')
  .option('--by <user>', 'who releases (default: $FIREBREAK_USER or $USER)')
  .addOption(outputOption())
  .option('--json', 'the rollback\'s final status as JSON (-o json)')
  .description('lift the hold a rollback keeps: queued and new versions of the service may start')
  .action(async (service, opts) => (await import('./release.js')).releaseCommand(service, opts));

program
  .command('list')
  .option('--service <service>')
  .option('--phase <phase>')
  .option('--owner <owner>')
  .option('--since <when>', 'started after: a duration back from now (24h, 7d) or an ISO time')
  .option('--limit <n>', 'at most this many deploys', '50')
  .addOption(outputOption())
  .option('--json', 'the rows as JSON (-o json)')
  .description('deploys from visibility, newest first')
  .action(async (opts) => (await import('./list.js')).listCommand(opts));

program
  .command('review')
  .option('--since <when>', 'deploys started after: a duration back from now (90d, the default) or a date (2026-10-01)')
  .option('--quarter <quarter>', 'a calendar quarter in UTC, e.g. 2026Q4 (instead of --since)')
  .option('--service <service>')
  .option('--owner <owner>')
  .option('--plots <dir>', 'write SVG plots (deploys per week, change failure rate, time per stage) into DIR; the report links them')
  .addOption(outputOption())
  .option('--json', 'the review as JSON (-o json)')
  .description('the quarterly deploy-pattern review and the DORA keys, from the deploy records (FIREBREAK_RECORDS_URL) or else Temporal')
  .action(async (opts) => (await import('./review.js')).reviewCommand(opts));

const records = program.command('records').description('the deploy records database (FIREBREAK_RECORDS_URL)');
records
  .command('migrate')
  .description("bring the records database's schema up to date (writes do so too)")
  .action(async () => (await import('./records.js')).recordsMigrateCommand());
records
  .command('import')
  .option('--since <when>', 'finished deploys started after: a duration (90d, the default) or a date')
  .option('--quarter <quarter>', 'a calendar quarter in UTC, e.g. 2026Q4 (instead of --since)')
  .option('--service <service>')
  .description('write the records of finished deploys Temporal still keeps (a record already final stays as it is)')
  .action(async (opts) => (await import('./records.js')).recordsImportCommand(opts));

program
  .command('worker')
  .addOption(taskQueueOption())
  .addOption(new Option('--metrics <host:port>', 'serve Prometheus metrics (the SDK\'s and Firebreak\'s) at http://HOST:PORT/metrics').env('FIREBREAK_METRICS'))
  .description('run a worker')
  .action(async (opts) => (await import('./worker.js')).workerCommand(opts));

program
  .command('dev')
  .addOption(
    new Option('--ports <list>', 'other ports, as name=port,... of temporal, ui, sim, prometheus, metrics, records (0 = any free port)').env('FIREBREAK_DEV_PORTS'),
  )
  .addOption(new Option('--state-dir <dir>', 'where the stack keeps its state (default: .firebreak in the checkout)').env('FIREBREAK_STATE_DIR'))
  .option('--persistence <mode>', 'sqlite (the Temporal CLI dev server) or postgres (Temporal server 1.29.1 on PostgreSQL, with the ui-server)', 'sqlite')
  .option('--workers <n>', 'workers run inside `firebreak dev` (0 = none: run `firebreak worker` separately)', '1')
  .option('--kubernetes <regions>', 'a real Kubernetes control plane (kube-apiserver, controller-manager, scheduler, kwok nodes) per region, e.g. small,medium,large; prints the kubeconfig')
  .description('the local stack: Temporal dev server (:7233, UI :8233), simulator (:7070), Prometheus (:9090), a worker (metrics :9464); SIGTERM or Ctrl-C stops it, state kept')
  .action(async (opts) => (await import('./dev.js')).devCommand(opts));

program
  .command('sim')
  .option('--port <port>', 'port', '7070')
  .option('--pipeline <file>', 'take region customer counts from this pipeline')
  .option('--deploy-seconds <n>', 'how long a rollout takes', '2')
  .option('--state-dir <dir>', 'keep regions, faults and the deployment log in DIR/state.json across restarts (default: in memory)')
  .option('--noise <level>', 'seeded per-second jitter of latency, error rate and traffic, 0 to 1 (e.g. 0.1); default 0, none')
  .option('--seed <n>', 'seed of the noise (default 1): the same seed gives the same numbers')
  .description('the region simulator alone')
  .action(async (opts) =>
    (await import('../local/sim/main.js')).runSimulator({
      port: Number(opts.port),
      pipeline: opts.pipeline,
      deploySeconds: Number(opts.deploySeconds),
      stateDir: opts.stateDir,
      ...(opts.noise !== undefined ? { noise: Number(opts.noise) } : {}),
      ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
    }),
  );

program
  .command('plan')
  .argument('<file>', 'pipeline file')
  .option('--version <version>', 'version to plan', '<version>')
  .addOption(outputOption())
  .option('--json', 'one JSON document (-o json)')
  .option('--strict', 'lint warnings are errors')
  .option('--diff <old>', 'also show what changes against OLD (a pipeline file): order, gates, soaks, exposure')
  .description('validate and print the ordered stages and lint findings; exit 0 ok, 2 invalid')
  .action(async (file, opts) => (await import('./plan.js')).planCommand(file, opts));

program
  .command('migrations')
  .description('schema migrations of a pipeline')
  .command('status')
  .argument('<file>', 'pipeline file')
  .addOption(outputOption())
  .option('--json', 'one JSON document (-o json)')
  .description('which migrations are applied in which database (DATABASE_URL etc. from the environment)')
  .action(async (file, opts) => (await import('./migrations.js')).migrationsStatusCommand(file, opts));

program
  .command('runbook')
  .argument('<file>', 'pipeline file')
  .description("the pause-and-resume runbook for this pipeline, in Markdown")
  .action(async (file) => (await import('./runbook.js')).runbookCommand(file));

program
  .command('init')
  .option('--service <name>', 'service name')
  .option('--file <path>', 'where to write', 'firebreak.yaml')
  .option('--target <target>', 'how it deploys: helm (command adapter), kubectl (command adapter) or kubernetes (native adapter)', 'helm')
  .description('write a two-region starter pipeline')
  .action(async (opts) => (await import('./init.js')).initCommand(opts));

// Every command that connects to Temporal takes where to connect, after its own flags in its
// help; src/client/connect.ts puts a flag over the environment, the environment over the
// profile file. (dev runs its own server; plan, runbook, init and sim never connect.)
const CONNECTING = new Set<string>(['deploy', 'status', ...COMMANDS, 'rollback', 'release', 'freeze', 'unfreeze', 'list', 'review', 'import', 'worker']);
for (const cmd of [...program.commands, ...records.commands].filter((c) => CONNECTING.has(c.name()))) {
  cmd
    .option('-n, --namespace <namespace>', 'Temporal namespace (over TEMPORAL_NAMESPACE and the profile)')
    .option('--address <host:port>', 'Temporal frontend address (over TEMPORAL_ADDRESS and the profile)')
    .option('--profile <name>', 'profile of the Temporal config file (over TEMPORAL_PROFILE)');
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; a usage mistake is bad input (exit 2).
    return err.exitCode === 0 ? 0 : EXIT.badInput;
  }
  if (err instanceof PipelineError) {
    for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`invalid pipeline: ${err.problems.length} problem(s); nothing was started\n`);
    return EXIT.badInput;
  }
  if (err instanceof CliError) {
    process.stderr.write(`firebreak: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`firebreak: ${message.split('\n')[0]}\n`);
  if (process.env.FIREBREAK_DEBUG) console.error(err);
  return EXIT.badInput;
}
