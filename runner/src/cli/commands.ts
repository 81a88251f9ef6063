import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { ErrorCodes, isSwarmlabError, SwarmlabError, type ErrorCode } from '../errors.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import { loadExperimentFile, specDigest } from '../spec/load.ts';
import { isAdaptive, maxRunCount, plan, planRun, runCount, runIdOf, sweepSeeds } from '../spec/plan.ts';
import { adaptiveModeOf, planRounds } from '../rounds/plan-rounds.ts';
import { AdaptiveFile, adaptiveText } from '../rounds/adaptive-file.ts';
import { readRoundFile, roundRunAt } from '../rounds/round-file.ts';
import { designSize } from '../designs/design-points.ts';
import { sweepDuplicateWarnings, type SpecWarning } from '../spec/sweep-duplicates.ts';
import { openStore } from '../store/open.ts';
import { FileStore } from '../store/file-store.ts';
import { runLocal } from '../run/local-executor.ts';
import { blockFailure, blockIndexes, blockOf, runBlock, type Block } from '../run/run-block.ts';
import { writeTerminationMessage } from '../run/report-failure.ts';
import { failureOf, type RunFailure } from '../outputs/failure-record.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { ExperimentLayout } from '../store/layout.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { ObjectStore } from '../store/store.ts';
import type { WorkerPool } from '../run/worker-pool.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { knownJsonSchemas } from '../outputs/json-schemas.ts';
import { migrateResults } from './migrate-command.ts';
import { notResults, openResults } from './open-results.ts';
import { statisticsText, statisticsToShow, tablesText, tableUris } from './results-command.ts';
import { createProgressReporter, progressStyle } from './progress.ts';
import { printRunTrace, traceRunId } from './trace-command.ts';
import { nonNegativeInt } from './args.ts';

// What each command of main.ts does.

/** Warnings go to stderr, one line each; as JSON they go into the command's JSON output instead. */
function printWarnings(warnings: readonly SpecWarning[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
}

export async function runCommand(file: string, opts: { store?: string; workers?: number; json?: boolean; metric?: string[]; trace?: string }, pool: WorkerPool | undefined, signal?: AbortSignal): Promise<void> {
  const exp = await loadExperimentFile(file);
  if (opts.trace !== undefined && opts.json) throw new SwarmlabError('USAGE', '--trace prints text; it cannot go with --json');
  const traced = opts.trace === undefined ? undefined : traceRunId(opts.trace, exp);
  const warnings = sweepDuplicateWarnings(exp.spec.sweep);
  if (!opts.json) printWarnings(warnings);
  const store = openStore(opts.store ?? exp.spec.output.store);
  const reporter = createProgressReporter(progressStyle({ json: opts.json === true, tty: process.stderr.isTTY === true }));
  const result = await runLocal(exp, {
    store,
    registry: await loadRegistry({ experimentFile: file }),
    ...(opts.workers ? { workers: opts.workers } : {}),
    ...(pool ? { pool } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (p) => reporter.update(p),
    onWarning: (message) => process.stderr.write(`swarmlab: warning: ${message}\n`),
  }).finally(() => reporter.stop());
  const layout = ExperimentLayout.of(exp);
  if (traced !== undefined) await printRunTrace(store, layout, result.manifest, traced);
  let metrics = opts.metric ?? [];
  // The runs are done and stored: a mistyped --metric costs a warning, not the answer.
  const statistics = await statisticsToShow(store, layout, metrics).catch(async (e: unknown) => {
    if (!isSwarmlabError(e) || e.code !== 'USAGE') throw e;
    process.stderr.write(`swarmlab: warning: ${e.message}; showing every metric\n`);
    metrics = [];
    return statisticsToShow(store, layout, metrics);
  });
  const tables = tableUris(store, layout);
  const adaptiveBytes = isAdaptive(exp.spec.sweep) ? await store.get(layout.adaptive) : undefined;
  const adaptive = adaptiveBytes === undefined ? undefined : AdaptiveFile.parse(JSON.parse(adaptiveBytes.toString('utf8')));
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
    tables,
    notStarted: result.notStarted,
    failures: [...result.failures.values()],
    warnings,
    ...(adaptive !== undefined ? { adaptive: store.uriFor(layout.adaptive) } : {}),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(
      `${exp.metadata.name}: ${result.succeeded}/${result.total} runs succeeded` +
        `${result.failed ? `, ${result.failed} failed` : ''}${result.resumed ? ` (${result.resumed} already done)` : ''}\n` +
        statisticsText(statistics, metrics) +
        (adaptive === undefined ? '' : adaptiveText(adaptive)) +
        `results:  ${result.resultsUri}\nmanifest: ${result.manifestUri}\n${tablesText(tables)}\ndigest:   ${result.manifest.digest}\n`,
    );
    const shown = 10;
    const tried = summary.failures.filter((f) => f.code !== 'NOT_STARTED');
    for (const f of tried.slice(0, shown)) process.stderr.write(`run ${f.index} failed: ${f.code}: ${f.message}\n`);
    if (tried.length > shown) process.stderr.write(`and ${tried.length - shown} more failed runs (every one is in the manifest and in --json)\n`);
    if (result.notStarted > 0) process.stderr.write(`${result.notStarted} runs not started: more runs failed than spec.execution.maxFailedRuns allows\n`);
  }
  process.exitCode = result.failed === 0 ? 0 : 1;
}

export interface RunIndexOptions {
  spec: string;
  index?: number;
  /** A round of an adaptive sweep: the completion index's block is of positions in the round's run list. */
  round?: number;
  indexOffset: number;
  runsPerPod: number;
  /** Worker processes (a pod's CPU request); 0 (no request) or 1: in this process. */
  workers?: number;
  store?: string;
  attempt?: string;
  terminationLog?: string;
}

/**
 * What a Job pod runs: the block of runs of one completion index (one run
 * when runsPerPod is 1). Exits 0 when every run of the block succeeded;
 * else with the exit status of the failure that decides whether the Job
 * retries the index (blockFailure), whose record is also the termination
 * message. Each failed run's own record is in the store.
 */
export async function runIndexCommand(opts: RunIndexOptions, pool?: WorkerPool, signal?: AbortSignal): Promise<void> {
  const exp = await loadExperimentFile(opts.spec);
  const fromEnv = process.env.JOB_COMPLETION_INDEX;
  const local = opts.index ?? (fromEnv !== undefined ? nonNegativeInt('JOB_COMPLETION_INDEX')(fromEnv) : undefined);
  if (local === undefined) throw new SwarmlabError('USAGE', 'give --index or set JOB_COMPLETION_INDEX');
  const total = runCount(exp.spec.sweep);
  const block = opts.round !== undefined ? await roundBlock(exp, opts, opts.round, local) : blockOf(local, opts.indexOffset, opts.runsPerPod, total);
  if (block === undefined) {
    const first = opts.indexOffset + local * opts.runsPerPod;
    const how = first === local ? '' : ` (completion index ${local}, offset ${opts.indexOffset}, ${opts.runsPerPod} runs an index)`;
    throw new SwarmlabError('USAGE', `run index ${first}${how} is outside the run matrix 0..${total - 1}`);
  }
  const attempt = opts.attempt ?? process.env.HOSTNAME ?? 'local';
  const fail = (failure: RunFailure): never => {
    // Why, for whoever reads the outcome: the termination message (the operator); the store has each run's record.
    if (opts.terminationLog !== undefined) writeTerminationMessage(opts.terminationLog, runIdOf(failure.index, total), failure);
    const code: ErrorCode = failure.code in ErrorCodes ? (failure.code as ErrorCode) : 'RUN_FAILED';
    throw new SwarmlabError(code, failure.message, failure.path !== undefined ? { path: failure.path } : {});
  };
  let store: ObjectStore;
  let registry: ModuleRegistry;
  try {
    registry = await loadRegistry({ experimentFile: opts.spec });
    store = openStore(opts.store ?? exp.spec.output.store);
  } catch (e) {
    pool?.close();
    return fail(failureOf(e, block.first, attempt));
  }
  const result = await runBlock(exp, block, {
    store,
    registry,
    workers: Math.max(1, opts.workers ?? 1),
    pool,
    attempt,
    signal,
    onWarning: (message) => process.stderr.write(`swarmlab: warning: ${message}\n`),
  });
  // One line a run, in run order: succeeded (ran here), resumed (kept from before), failed (with its code) or not-started.
  const failed = new Map(result.failures.map((f) => [f.index, f]));
  const succeeded = new Map(result.succeeded.map((r) => [r.index, r]));
  for (const index of blockIndexes(block)) {
    const run = runIdOf(index, total);
    const ok = succeeded.get(index);
    const f = failed.get(index);
    const line = ok !== undefined ? { run, index, status: ok.resumed ? 'resumed' : 'succeeded', digest: ok.digest } : f !== undefined ? { run, index, status: 'failed', code: f.code } : { run, index, status: 'not-started' };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  const failure = blockFailure(result);
  if (failure !== undefined) fail(failure);
}

/** A round's block: the runs at the completion index's positions of the round's run list (rounds/<round>.json, which the operator wrote before the round's Job). */
async function roundBlock(exp: Experiment, opts: RunIndexOptions, round: number, local: number): Promise<Block> {
  const list = await readRoundFile(openStore(opts.store ?? exp.spec.output.store), ExperimentLayout.of(exp), round);
  const positions = blockOf(local, 0, opts.runsPerPod, list.runs);
  if (positions === undefined) throw new SwarmlabError('USAGE', `completion index ${local} is past the ${list.runs} runs of round ${round} (${opts.runsPerPod} runs an index)`);
  const indexes = blockIndexes(positions).map((k) => roundRunAt(list, k) as number);
  return { first: indexes[0]!, last: indexes[indexes.length - 1]!, indexes };
}

export async function planCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const exp = await loadExperimentFile(file);
  validateExperiment(exp, await loadRegistry({ experimentFile: file }));
  // An adaptive sweep's later rounds depend on the results: its plan is round 0.
  const adaptive = isAdaptive(exp.spec.sweep);
  const seeds = sweepSeeds(exp.spec.sweep);
  const runs = adaptive ? planRounds(exp, new Map()).pending.map((i) => planRun(exp, i, seeds)) : plan(exp);
  const warnings = sweepDuplicateWarnings(exp.spec.sweep);
  if (opts.json) {
    // stdout holds one run per line, so the warnings are one JSON line on stderr.
    if (warnings.length > 0) process.stderr.write(`${JSON.stringify({ warnings })}\n`);
    for (const r of runs) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  printWarnings(warnings);
  const design = exp.spec.sweep.design;
  const designNote = design === undefined ? '' : `; ${design.method} design of ${designSize(design)} points`;
  const count = adaptive ? `${adaptiveModeOf(exp)!} in rounds: round 0 has ${runs.length} runs, all rounds at most ${maxRunCount(exp.spec.sweep)}; the later rounds are decided from the results` : `${runs.length} runs`;
  const lines = [`${exp.metadata.name}: ${count} (spec digest ${specDigest(exp).slice(0, 16)}${designNote})`, 'RUN\tINDEX\tSEED\tPARAMS'];
  for (const r of runs) lines.push(`${r.runId}\t${r.index}\t${r.seed}\t${Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function validateCommand(target: string, opts: { json?: boolean }): Promise<void> {
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0 && sets.incomplete.length === 0) throw notResults(target);
  const registry = await loadRegistry();
  const reports = [];
  for (const folder of sets.complete) reports.push({ folder, ...(await validateResults(store, registry, folder)) });
  const valid = sets.complete.length > 0 && reports.every((r) => r.problems.length === 0);
  process.exitCode = valid ? 0 : 1;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ valid, sets: reports, incomplete: sets.incomplete }, null, 2)}\n`);
    return;
  }
  for (const r of reports) {
    const label = r.folder === '' ? '' : `${r.folder}: `;
    if (r.problems.length === 0) process.stdout.write(`${label}valid: ${r.runsChecked} runs, manifest digest ${r.digest ?? ''}\n`);
    else {
      process.stderr.write(`${label}invalid: ${r.problems.length} problem(s)\n`);
      for (const p of r.problems) process.stderr.write(`  ${p}\n`);
    }
  }
  for (const folder of sets.incomplete) process.stderr.write(`${folder || store.uri}: no manifest.json: its runs have not all finished (run the experiment again to resume); not validated\n`);
  if (sets.complete.length === 0) process.stderr.write(`invalid: no finished result set under ${store.uri}\n`);
}

export async function schemaCommand(name: string | undefined, opts: { out?: string }): Promise<void> {
  const all = knownJsonSchemas(await loadRegistry());
  if (name !== undefined && !(name in all)) throw new SwarmlabError('USAGE', `unknown schema ${name}; known: ${Object.keys(all).join(', ')}`);
  const chosen = name ? { [name]: all[name] } : all;
  if (opts.out) {
    await mkdir(opts.out, { recursive: true });
    for (const [n, s] of Object.entries(chosen)) await writeFile(join(opts.out, `${n}.schema.json`), `${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify(name ? chosen[name] : chosen, null, 2)}\n`);
}

export async function migrateCommand(src: string, opts: { out: string }): Promise<void> {
  const from = openResults(src);
  const to = opts.out.includes('://') ? openStore(opts.out) : new FileStore(resolve(opts.out));
  const report = await migrateResults(from.store, to, await loadRegistry());
  process.stdout.write(`${report.applied.length ? report.applied.join('\n') : `already at the current schema; copied ${report.files} files`}\n`);
}
