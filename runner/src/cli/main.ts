import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { SwarmlabError, isSwarmlabError } from '../errors.ts';
import { builtinRegistry } from '../modules/builtin.ts';
import { resolveScenario, validateExperiment } from '../modules/resolve.ts';
import { loadExperimentFile, specDigest } from '../spec/load.ts';
import { plan, planRun } from '../spec/plan.ts';
import { openStore } from '../store/open.ts';
import { FileStore } from '../store/file-store.ts';
import { runLocal } from '../run/local-executor.ts';
import { runAndPromote } from '../run/promote.ts';
import { beforeValidateFailpoint, FAILPOINT_ENV, parseFailpoint } from '../run/failpoints.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { outputJsonSchemas } from '../outputs/json-schemas.ts';
import { migrateResults } from './migrate-command.ts';
import { createProgressReporter } from './progress.ts';
import { RUNNER_VERSION } from '../version.ts';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new SwarmlabError('USAGE', `${name} must be a whole number >= 1, got ${JSON.stringify(v)}`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new SwarmlabError('USAGE', `${name} must be a whole number >= 0, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** A results folder or URI as given on the command line: a store plus the experiment root within it. */
function openResults(target: string): { store: ReturnType<typeof openStore>; root: string } {
  if (target.startsWith('s3://') || target.startsWith('file://')) {
    const trimmed = target.replace(/\/manifest\.json$/, '');
    return { store: openStore(trimmed), root: '' };
  }
  let dir = resolve(target);
  if (existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  if (!existsSync(dir)) throw new SwarmlabError('BAD_FILE', 'no such file or directory', { file: target });
  return { store: new FileStore(dir), root: '' };
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
    .option('--json', 'print a machine-readable summary')
    .action(async (file: string, opts: { store?: string; workers?: number; json?: boolean }) => {
      const exp = await loadExperimentFile(file);
      const store = openStore(opts.store ?? exp.spec.output.store);
      const reporter = createProgressReporter(!opts.json && process.stderr.isTTY === true);
      const result = await runLocal(exp, {
        store,
        registry: builtinRegistry,
        ...(opts.workers ? { workers: opts.workers } : {}),
        onProgress: (p) => reporter.update(p),
      }).finally(() => reporter.stop());
      const summary = {
        experiment: exp.metadata.name,
        specDigest: specDigest(exp),
        total: result.total,
        succeeded: result.succeeded,
        failed: result.failed,
        resumed: result.resumed,
        results: result.resultsUri,
        manifest: result.manifestUri,
        manifestDigest: result.manifest.digest,
        failures: [...result.failures.entries()].map(([index, f]) => ({ index, ...f })),
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        process.stdout.write(
          `${exp.metadata.name}: ${result.succeeded}/${result.total} runs succeeded` +
            `${result.failed ? `, ${result.failed} failed` : ''}${result.resumed ? ` (${result.resumed} already done)` : ''}\n` +
            `results:  ${result.resultsUri}\nmanifest: ${result.manifestUri}\ndigest:   ${result.manifest.digest}\n`,
        );
        for (const f of summary.failures.slice(0, 10)) process.stderr.write(`run ${f.index} failed: ${f.message}\n`);
      }
      process.exitCode = result.failed === 0 ? 0 : 1;
    });

  program
    .command('run-index')
    .description('Run one run of the matrix and promote its validated outputs (what a Kubernetes Job pod executes).')
    .requiredOption('--spec <file>', 'Experiment YAML file')
    .addOption(new Option('--index <n>', 'run index (default: $JOB_COMPLETION_INDEX)').argParser(nonNegativeInt('--index')))
    .addOption(new Option('--index-offset <n>', 'added to the index: the first run of this Job when a sweep is split over several Jobs').argParser(nonNegativeInt('--index-offset')).default(0))
    .option('--store <uri>', 'object store URI; default: spec.output.store')
    .option('--attempt <id>', 'attempt id recorded in provenance (default: $HOSTNAME or "local")')
    .action(async (opts: { spec: string; index?: number; indexOffset: number; store?: string; attempt?: string }) => {
      const exp = await loadExperimentFile(opts.spec);
      const fromEnv = process.env.JOB_COMPLETION_INDEX;
      const local = opts.index ?? (fromEnv !== undefined ? nonNegativeInt('JOB_COMPLETION_INDEX')(fromEnv) : undefined);
      if (local === undefined) throw new SwarmlabError('USAGE', 'give --index or set JOB_COMPLETION_INDEX');
      const index = opts.indexOffset + local;
      // Only this run's point: the whole sweep was checked once, before any pod started.
      resolveScenario(exp.spec.scenario, planRun(exp, index).params, builtinRegistry);
      const store = openStore(opts.store ?? exp.spec.output.store);
      // Test-only fault injection (failpoints.ts); nothing is injected unless SWARMLAB_FAILPOINT is set.
      const beforeValidate = beforeValidateFailpoint(parseFailpoint(process.env[FAILPOINT_ENV]), index);
      const out = await runAndPromote(exp, index, store, { registry: builtinRegistry, attempt: opts.attempt ?? process.env.HOSTNAME ?? 'local', beforeValidate });
      process.stdout.write(`${JSON.stringify({ run: out.point.runId, index, status: out.status, digest: out.record.digest })}\n`);
    });

  program
    .command('plan')
    .description('Print the run matrix (run id, seed, parameters) without running anything.')
    .argument('<file>', 'Experiment YAML file')
    .option('--json', 'print JSON lines')
    .action(async (file: string, opts: { json?: boolean }) => {
      const exp = await loadExperimentFile(file);
      validateExperiment(exp, builtinRegistry);
      const runs = plan(exp);
      if (opts.json) {
        for (const r of runs) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const lines = [`${exp.metadata.name}: ${runs.length} runs (spec digest ${specDigest(exp).slice(0, 16)})`, 'RUN\tINDEX\tSEED\tPARAMS'];
      for (const r of runs) lines.push(`${r.runId}\t${r.index}\t${r.seed}\t${Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('validate')
    .description('Check every file of an experiment\'s results against its schema and the manifest\'s hashes.')
    .argument('<path>', 'results folder holding manifest.json, or a file:// / s3:// URI to it')
    .option('--json', 'print a machine-readable report')
    .action(async (target: string, opts: { json?: boolean }) => {
      const { store, root } = openResults(target);
      const report = await validateResults(store, builtinRegistry, root);
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.problems.length === 0) process.stdout.write(`valid: ${report.runsChecked} runs, manifest digest ${report.digest ?? ''}\n`);
      else {
        process.stderr.write(`invalid: ${report.problems.length} problem(s)\n`);
        for (const p of report.problems) process.stderr.write(`  ${p}\n`);
      }
      process.exitCode = report.problems.length === 0 ? 0 : 1;
    });

  program
    .command('schema')
    .description('Print the JSON Schemas of the output files, or write them to a folder.')
    .argument('[name]', 'one schema: event-line, summary, run-record, manifest, provenance, or <module>.<file>')
    .option('--out <dir>', 'write <name>.schema.json files here')
    .action(async (name: string | undefined, opts: { out?: string }) => {
      const all = outputJsonSchemas(builtinRegistry);
      if (name !== undefined && !(name in all)) throw new SwarmlabError('USAGE', `unknown schema ${name}; known: ${Object.keys(all).join(', ')}`);
      const chosen = name ? { [name]: all[name] } : all;
      if (opts.out) {
        await mkdir(opts.out, { recursive: true });
        for (const [n, s] of Object.entries(chosen)) await writeFile(join(opts.out, `${n}.schema.json`), `${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(name ? chosen[name] : chosen, null, 2)}\n`);
    });

  program
    .command('migrate')
    .description('Copy results written by an older output schema to a new location, upgraded to this runner\'s schema.')
    .argument('<src>', 'results folder or URI holding manifest.json')
    .requiredOption('--out <dest>', 'results folder or URI to write the upgraded copy to')
    .action(async (src: string, opts: { out: string }) => {
      const from = openResults(src);
      const to = opts.out.includes('://') ? openStore(opts.out) : new FileStore(resolve(opts.out));
      const report = await migrateResults(from.store, to, builtinRegistry);
      process.stdout.write(`${report.applied.length ? report.applied.join('\n') : `already at the current schema; copied ${report.files} files`}\n`);
    });

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
    .description('Show, validate and optionally download an experiment\'s results from its object store.')
    .argument('<name>', 'Experiment name')
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s)')
    .option('--download <dir>', 'copy the manifest and every run\'s files here (only when they validate)')
    .option('--json', 'print a machine-readable result')
    .action(async (name: string, opts: { namespace?: string; download?: string; json?: boolean }) => {
      const { results } = await import('./kube-commands.ts');
      process.exitCode = await results(name, {
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.download ? { download: opts.download } : {}),
        ...(opts.json ? { json: true } : {}),
      });
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isSwarmlabError(e)) {
      process.stderr.write(`swarmlab: ${e.describe()}\n`);
      return e.exitCode;
    }
    process.stderr.write(`swarmlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
