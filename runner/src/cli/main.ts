import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { ErrorCodes, isSwarmlabError, SwarmlabError } from '../errors.ts';
import { WorkerPool } from '../run/worker-pool.ts';
import { prestartWorkers } from '../run/worker-count.ts';
import { RUNNER_VERSION } from '../version.ts';
import { nonNegativeInt, positiveInt } from './args.ts';
import type { RunIndexOptions } from './commands.ts';

// The command line. What each command does is in commands.ts, loaded only
// once a command runs: `swarmlab run` starts its worker processes first, and
// they load the runner while this process does the same.
const commands = () => import('./commands.ts');

/** A repeatable option's values, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function buildCli(): Command {
  const program = new Command('swarmlab')
    .description('Deterministic multi-agent stress experiments: run sweeps locally or on Kubernetes.')
    .version(RUNNER_VERSION)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('Run every run of an Experiment on this machine and store validated results.')
    .argument('<file>', 'Experiment YAML file')
    .option('--store <uri>', 'object store URI (file://DIR or s3://BUCKET/PREFIX); default: spec.output.store (relative file:// paths are from the current directory)')
    .option('--workers <n>', 'worker processes (default: spec.execution.parallelism or every core)', positiveInt('--workers'))
    .option('--metric <name>', 'show the statistics of this final metric (repeat for more; default: every one)', collect)
    .option('--json', 'print a machine-readable summary')
    .option('--trace <run>', 'then print the console trace of one run (run id or index): each event\'s logical time, type, source and target, and every instance\'s state after it')
    .action(async (file: string, opts: { store?: string; workers?: number; json?: boolean; metric?: string[]; trace?: string }) => {
      // Before the experiment is read, at most one a core: the spec may ask for fewer (the extra
      // workers are stopped) or more (they are started once the run count is known, capped by it).
      const prestart = prestartWorkers(opts.workers);
      const pool = (opts.workers ?? availableParallelism()) > 1 ? WorkerPool.start(prestart) : undefined;
      // The first Ctrl-C (or TERM) lets the runs in flight finish and keeps them; a second one stops at once, workers included.
      const stop = new AbortController();
      const stopNow = (): void => {
        pool?.kill();
        process.stderr.write('swarmlab: stopped; the runs in flight were abandoned\n');
        process.exit(ErrorCodes.INTERRUPTED.exit);
      };
      const onSignal = (): void => {
        process.stderr.write('\nswarmlab: stopping after the runs in flight (Ctrl-C again to stop now)\n');
        stop.abort();
        process.once('SIGINT', stopNow);
        process.once('SIGTERM', stopNow);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await (await commands()).runCommand(file, opts, pool, stop.signal);
      } finally {
        for (const handler of [onSignal, stopNow]) {
          process.off('SIGINT', handler);
          process.off('SIGTERM', handler);
        }
        pool?.close();
      }
    });

  program
    .command('run-index')
    .description('Run one completion index of a Kubernetes Job: a block of runs of the matrix (one by default), each promoted once validated (what a Job pod executes).')
    .requiredOption('--spec <file>', 'Experiment YAML file')
    .addOption(new Option('--index <n>', 'completion index (default: $JOB_COMPLETION_INDEX)').argParser(nonNegativeInt('--index')))
    .addOption(new Option('--index-offset <n>', 'the first run of this Job (a sweep split over several Jobs)').argParser(nonNegativeInt('--index-offset')).default(0))
    .addOption(new Option('--round <n>', 'a round of an adaptive sweep: the index runs its positions of the round\'s run list (rounds/<n>.json in the store), not of the run matrix').argParser(nonNegativeInt('--round')))
    .addOption(new Option('--runs-per-pod <n>', 'runs an index runs: index i runs runs offset+i*n .. offset+(i+1)*n-1').argParser(positiveInt('--runs-per-pod')).default(1))
    .addOption(new Option('--workers <n>', 'worker processes for the block (a pod\'s CPU request, whole CPUs); 0 or 1: in this process').argParser(nonNegativeInt('--workers')))
    .option('--store <uri>', 'object store URI; default: spec.output.store')
    .option('--attempt <id>', 'attempt id recorded in provenance (default: $HOSTNAME or "local")')
    .option('--termination-log <file>', 'on failure, also write the JSON failure record here (a pod\'s terminationMessagePath, /dev/termination-log)')
    .action(async (opts: RunIndexOptions) => {
      const pool = (opts.workers ?? 1) > 1 && opts.runsPerPod > 1 ? WorkerPool.start(prestartWorkers(Math.min(opts.workers ?? 1, opts.runsPerPod))) : undefined;
      // TERM (a pod deleted, evicted, its Job suspended): no further run starts, the runs in flight finish and are kept; a second one stops at once.
      const stop = new AbortController();
      const stopNow = (): void => {
        pool?.kill();
        process.exit(ErrorCodes.INTERRUPTED.exit);
      };
      const onSignal = (): void => {
        process.stderr.write('swarmlab: stopping after the runs in flight\n');
        stop.abort();
        process.once('SIGTERM', stopNow);
        process.once('SIGINT', stopNow);
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        await (await commands()).runIndexCommand(opts, pool, stop.signal);
      } finally {
        for (const handler of [onSignal, stopNow]) {
          process.off('SIGINT', handler);
          process.off('SIGTERM', handler);
        }
        pool?.close();
      }
    });

  program
    .command('plan')
    .description('Print the run matrix (run id, seed, parameters) without running anything.')
    .argument('<file>', 'Experiment YAML file')
    .option('--json', 'print JSON lines')
    .action(async (file: string, opts: { json?: boolean }) => (await commands()).planCommand(file, opts));

  program
    .command('validate')
    .description('Check every file of an experiment\'s results against its schema and the manifest\'s hashes.')
    .argument('<path>', 'results folder holding manifest.json, or a file:// / s3:// URI to it')
    .option('--json', 'print a machine-readable report')
    .action(async (target: string, opts: { json?: boolean }) => (await commands()).validateCommand(target, opts));

  program
    .command('schema')
    .description('Print the JSON Schemas of the Experiment file and of the output files, or write them to a folder.')
    .argument('[name]', 'one schema: experiment (the Experiment file), event-line, summary, run-record, manifest, provenance, failure-record, results-index, sensitivity, or <module>.<file>')
    .option('--out <dir>', 'write <name>.schema.json files here')
    .action(async (name: string | undefined, opts: { out?: string }) => (await commands()).schemaCommand(name, opts));

  program
    .command('migrate')
    .description('Copy results written by an older output schema to a new location, upgraded to this runner\'s schema.')
    .argument('<src>', 'results folder or URI holding manifest.json')
    .requiredOption('--out <dest>', 'results folder or URI to write the upgraded copy to')
    .action(async (src: string, opts: { out: string }) => (await commands()).migrateCommand(src, opts));

  program
    .command('export')
    .description("Write a result set's runs in another format: text writes, byte for byte, what spec.output.trace.format: text writes for the same runs (events.jsonl, metrics.csv, summary.json and the modules' files; not run.json); governance-v0.4 appends one Governance Cascade Simulator v0.4 JSONL line per governance-cascade run to a file, or migrates a JSONL file of older records into one.")
    .argument('<results>', 'results folder (results/NAME/DIGEST, a manifest.json) or a file:// or s3:// URI; for governance-v0.4 also a JSONL file of older records to migrate')
    .option('--format <format>', 'what to write: text or governance-v0.4', 'text')
    .option('--out <path>', 'text: a new or empty folder to write into (default: ./NAME-FORMAT), each run in DIR/runs/RUN/; governance-v0.4: the JSONL file to append to (required)')
    .option('--timestamp <iso>', 'governance-v0.4 migration: the time given to records that have none (default: the input file\'s modification time)')
    .action(async (target: string, opts: { format?: string; out?: string; timestamp?: string }) => {
      const { exportCommand } = await import('./export-command.ts');
      await exportCommand(target, opts);
    });

  program
    .command('report')
    .description("Write an experiment's report: one HTML file, no script and nothing to fetch, with what was run, each final metric against the swept parameters with 95% intervals, the runs' spread and the metrics over logical time.")
    .argument('<results>', 'results folder (results/NAME/DIGEST, a manifest.json) or a file:// or s3:// URI')
    .option('--out <file>', 'copy the report to this file (default: report.html beside the manifest)')
    .option('--open', 'open the report in the system browser')
    .option('--markdown', 'also print the per-point statistics of the --metric metrics as a Markdown table (as in docs/scenarios.md)')
    .option('--metric <name>', 'a final metric for --markdown (repeat for more)', collect)
    .action(async (target: string, opts: { out?: string; open?: boolean; markdown?: boolean; metric?: string[] }) => {
      const { reportCommand } = await import('./report-command.ts');
      await reportCommand(target, opts);
    });

  program
    .command('analyze')
    .description("Sensitivity analysis of an experiment run with a design: Sobol' first- and total-order indices (a saltelli design) or Morris's mu*, mu and sigma (a morris design) of its final metrics, with bootstrap intervals. Writes sensitivity.json beside the results and adds a section to the report.")
    .argument('<results>', 'results folder (results/NAME/DIGEST, a manifest.json) or a file:// or s3:// URI')
    .requiredOption('--method <method>', 'sobol or morris')
    .option('--metric <name>', 'a final metric to analyse (repeat for more; default: every one)', collect)
    .option('--resamples <n>', 'bootstrap resamples for the intervals (default 1000)', positiveInt('--resamples'))
    .option('--json', 'print the analysis as JSON')
    .action(async (target: string, opts: { method: string; metric?: string[]; resamples?: number; json?: boolean }) => (await import('./analyze-command.ts')).analyzeCommand(target, opts));

  program
    .command('modules')
    .description('List the modules this runner has (built-in and from the runner configuration), or explain one: config fields, events, metrics, files.')
    .argument('[name]', 'a module name, or kind/name')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }) => (await import('./modules-command.ts')).modulesCommand(name, opts));

  program
    .command('submit')
    .description('Apply an Experiment to the current kube context; with --wait, follow it and exit with its result.')
    .argument('<file>', 'Experiment YAML file')
    .option('--wait', 'wait until the experiment is Complete (exit 0), Failed (1) or Invalid (2)')
    .option('-n, --namespace <ns>', 'namespace (default: metadata.namespace, then the context\'s)')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 1)', positiveInt('--timeout'))
    .option('--json', 'print a machine-readable result')
    .action(async (file: string, opts: { wait?: boolean; namespace?: string; timeout?: number; json?: boolean }) => {
      const { submit } = await import('./kube-commands.ts');
      process.exitCode = await submit(file, {
        ...(opts.wait ? { wait: true } : {}),
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}),
        ...(opts.json ? { json: true } : {}),
      });
    });

  program
    .command('results')
    .description(
      "Show an experiment's results: its per-point statistics and where its tables are.\n" +
        'TARGET with a "/" is a results location: a folder (./results/NAME, results/NAME/DIGEST, a manifest.json) or a file:// or s3:// URI; ' +
        'the tables are built there first if missing.\n' +
        'TARGET without a "/" is the name of an Experiment on the current kube context (give a folder in the current directory as ./NAME).',
    )
    .argument('<target>', 'results folder or URI (holds a "/"), or an Experiment name on the cluster')
    .option('-n, --namespace <ns>', 'an Experiment\'s namespace (default: the context\'s)')
    .option('--download <dir>', 'an Experiment on the cluster: copy its manifest, tables and report here, once they validate (a folder swarmlab results and swarmlab report read)')
    .option('--runs', 'with --download: every run\'s files too')
    .option('--metric <name>', 'show the statistics of this final metric (repeat for more; default: every one)', collect)
    .option('--json', 'print a machine-readable result')
    .action(async (target: string, opts: { namespace?: string; download?: string; runs?: boolean; json?: boolean; metric?: string[] }) => {
      const { isResultsLocation, localResultsCommand } = await import('./results-command.ts');
      if (isResultsLocation(target)) {
        for (const [flag, given] of [['--namespace', opts.namespace], ['--download', opts.download], ['--runs', opts.runs]] as const) {
          if (given !== undefined) throw new SwarmlabError('USAGE', `${flag} is for an Experiment on the cluster; ${target} is a results location (it holds a "/")`, { hint: 'copy a local results folder with cp -r' });
        }
        await localResultsCommand(target, { ...(opts.metric ? { metric: opts.metric } : {}), ...(opts.json ? { json: true } : {}) });
        return;
      }
      if (opts.runs && opts.download === undefined) throw new SwarmlabError('USAGE', '--runs: says what --download copies; give --download DIR too');
      const { results } = await import('./kube-commands.ts');
      try {
        process.exitCode = await results(target, {
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
          ...(opts.download ? { download: opts.download } : {}),
          ...(opts.runs ? { runs: true } : {}),
          ...(opts.json ? { json: true } : {}),
          ...(opts.metric ? { metric: opts.metric } : {}),
        });
      } catch (e) {
        // A folder of that name here is likely what was meant.
        if (isSwarmlabError(e) && existsSync(target)) throw new SwarmlabError(e.code, e.message, { hint: `${target} was read as an Experiment name; for the folder, give ./${target}`, cause: e });
        throw e;
      }
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildCli();
  // A program that asked for JSON reads stdout: it gets the error there too (people still get stderr).
  const json = argv.slice(2).includes('--json');
  const reportJson = (error: Record<string, string>, exit: number): void => {
    if (json) process.stdout.write(`${JSON.stringify({ error: { ...error, exit } })}\n`);
  };
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      reportJson({ code: 'USAGE', message: e.message.replace(/^error: /, '') }, ErrorCodes.USAGE.exit);
      return ErrorCodes.USAGE.exit;
    }
    if (isSwarmlabError(e)) {
      process.stderr.write(`swarmlab: ${e.describe()}\n`);
      reportJson(e.toJSON(), e.exitCode);
      return e.exitCode;
    }
    process.stderr.write(`swarmlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
