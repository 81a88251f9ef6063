import { availableParallelism } from 'node:os';
import { isSwarmlabError, SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import type { Experiment } from '../spec/experiment.ts';
import { isAdaptive, plan, planRun, sweepSeeds, type RunPoint } from '../spec/plan.ts';
import { planRounds, plannedIndices, type RoundsPlan } from '../rounds/plan-rounds.ts';
import { manifestRunOf, observeRuns, roundsColumn } from '../rounds/observe.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { assembleManifest, formatManifest } from '../outputs/manifest.ts';
import { finishResults, type FinishedResults } from '../results/finish.ts';
import type { RunFailure } from '../outputs/failure-record.ts';
import type { Manifest, RunRecord } from '../outputs/schemas.ts';
import type { StoredHash } from '../outputs/manifest.ts';
import { FAILPOINT_ENV, parseFailpoint } from './failpoints.ts';
import { WorkerPool } from './worker-pool.ts';
import { sweepWorkers } from './worker-count.ts';
import { schedule, type Progress } from './schedule.ts';
import { checkRunInputs } from './run-inputs.ts';

export type { Progress };

export interface LocalRunOptions {
  readonly store: ObjectStore;
  readonly registry: ModuleRegistry;
  /** Worker processes; 1 runs in this process. Default: spec.execution.parallelism, else every core. */
  readonly workers?: number;
  /** Workers started ahead (WorkerPool.start) while the caller read the experiment; ended when the sweep ends. */
  readonly pool?: WorkerPool;
  readonly cwd?: string;
  /** Aborted: no further run starts; runs in flight finish; INTERRUPTED unless every run had finished. */
  readonly signal?: AbortSignal;
  onProgress?(p: Progress): void;
  /** Something the user should know that does not stop the sweep (more workers than cores). */
  onWarning?(message: string): void;
}

export interface LocalRunResult extends Progress {
  readonly manifest: Manifest;
  readonly manifestUri: string;
  readonly resultsUri: string;
  readonly failures: ReadonlyMap<number, RunFailure>;
  /** Runs not started because more than spec.execution.maxFailedRuns had failed (counted in `failed`, code NOT_STARTED). */
  readonly notStarted: number;
  /** The tables built from the manifest and the results index, written after it. */
  readonly finished: FinishedResults;
}

/**
 * `swarmlab run`: validates everything first, runs the matrix on a worker
 * pool (an adaptive sweep: round by round, each decided by planRounds from
 * the runs before), writes the manifest, then the tables and the results index.
 */
export async function runLocal(exp: Experiment, opts: LocalRunOptions): Promise<LocalRunResult> {
  try {
    return await sweep(exp, opts);
  } finally {
    opts.pool?.close();
  }
}

async function sweep(exp: Experiment, opts: LocalRunOptions): Promise<LocalRunResult> {
  validateExperiment(exp, opts.registry);
  // Worker processes read it too: a bad value is one usage error here, not every worker dying at start.
  parseFailpoint(process.env[FAILPOINT_ENV]);
  const layout = ExperimentLayout.of(exp);
  // The spec's references to earlier runs first: a bad one is the user's to fix before anything is written.
  await checkRunInputs(exp, opts.registry);
  await opts.store.check(layout.root);
  const adaptive = isAdaptive(exp.spec.sweep);
  const observed = new Map<number, number | null>();
  let rounds: RoundsPlan | undefined = adaptive ? planRounds(exp, observed) : undefined;
  let batch: readonly number[] = rounds === undefined ? plan(exp).map((p) => p.index) : rounds.pending;
  const retries = exp.spec.execution.retries;
  const { workers, warning } = sweepWorkers(opts.workers ?? exp.spec.execution.parallelism ?? availableParallelism(), batch.length);
  if (warning) opts.onWarning?.(warning);

  const budget = exp.spec.execution.maxFailedRuns;
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const failures = new Map<number, RunFailure>();
  const pendingRetry = new Map<number, RunFailure>();
  let resumed = 0;
  let planned = batch.length;
  let budgetSpent = false;
  const round = (): { round?: number } => (rounds === undefined ? {} : { round: rounds.rounds.length - 1 });
  const progress = (): Progress => ({ done: records.size + failures.size, total: planned, succeeded: records.size, failed: failures.size, resumed, ...round() });
  // One pool for every round: its workers wait between rounds.
  const pool = workers > 1 ? (opts.pool ?? WorkerPool.start(workers)) : undefined;
  try {
    for (;;) {
      const before = { succeeded: records.size, failed: failures.size, resumed };
      const ran = await schedule({
        exp,
        indexes: batch,
        store: opts.store,
        registry: opts.registry,
        workers,
        pool,
        cwd: opts.cwd,
        signal: opts.signal,
        retries,
        // The failure budget spans the rounds.
        budget: budget === undefined ? undefined : budget - failures.size,
        attempt: (_index, tries) => `local-${tries}`,
        onProgress: (p) =>
          opts.onProgress?.({ done: before.succeeded + before.failed + p.done, total: planned, succeeded: before.succeeded + p.succeeded, failed: before.failed + p.failed, resumed: before.resumed + p.resumed, ...round() }),
      });
      for (const [i, r] of ran.records) records.set(i, r);
      for (const [i, h] of ran.provenance) provenance.set(i, h);
      for (const [i, f] of ran.failures) failures.set(i, f);
      for (const [i, f] of ran.pendingRetry) pendingRetry.set(i, f);
      resumed += ran.resumed.size;
      budgetSpent = ran.budgetSpent;
      // An adaptive sweep: each round's runs are read back as the results table has them, and decide the next round.
      if (rounds === undefined || rounds.ended !== undefined || budgetSpent || opts.signal?.aborted === true) break;
      if (batch.some((i) => !records.has(i) && !failures.has(i))) break;
      const settled = batch.map((i) => {
        const rec = records.get(i);
        if (rec !== undefined) return manifestRunOf(rec);
        const p = planRun(exp, i);
        return { run_id: p.runId, index: i, seed: p.seed, params: { ...p.params }, status: 'failed' as const };
      });
      for (const [i, v] of await observeRuns(opts.store, layout, roundsColumn(exp) as string, settled)) observed.set(i, v);
      rounds = planRounds(exp, observed);
      batch = rounds.pending;
      if (batch.length === 0) break;
      planned += batch.length;
      opts.onProgress?.(progress());
    }
  } finally {
    pool?.close();
  }
  if (rounds !== undefined && rounds.ended === undefined && !budgetSpent) {
    throw new SwarmlabError('INTERRUPTED', `${records.size + failures.size} runs of ${rounds.rounds.length} rounds finished and were kept (${failures.size} failed); the manifest was not written`, {
      file: opts.store.uriFor(layout.root),
      hint: 'run the same command again to resume: finished runs are not run again, and the rounds are decided again from them',
    });
  }
  const seeds = sweepSeeds(exp.spec.sweep);
  const points: RunPoint[] = rounds === undefined ? plan(exp) : plannedIndices(rounds).map((i) => planRun(exp, i, seeds));

  let notStarted = 0;
  if (budgetSpent) {
    const failedForGood = failures.size;
    for (const p of points) {
      if (records.has(p.index) || failures.has(p.index)) continue;
      const earlier = pendingRetry.get(p.index);
      if (earlier !== undefined) {
        failures.set(p.index, earlier);
        continue;
      }
      notStarted++;
      failures.set(p.index, {
        index: p.index,
        code: 'NOT_STARTED',
        message: `not started: ${failedForGood} runs failed, more than spec.execution.maxFailedRuns (${budget}); run the same command again to run it`,
        path: 'spec.execution.maxFailedRuns',
      });
    }
  }
  const done = records.size + failures.size;
  if (done < points.length) {
    throw new SwarmlabError('INTERRUPTED', `${done} of ${points.length} runs finished and were kept (${failures.size} failed); the manifest was not written`, {
      file: opts.store.uriFor(layout.root),
      hint: 'run the same command again to resume: finished runs are not run again',
    });
  }
  const manifest = assembleManifest(exp, points, records, failures, provenance);
  await opts.store.put(layout.manifest, formatManifest(manifest));
  const finished = await finishResults(opts.store, layout, manifest, opts.registry).catch((e: unknown) => {
    if (!isSwarmlabError(e)) throw e;
    const where = opts.store.uriFor(layout.root);
    throw new SwarmlabError(e.code, `building the tables: ${e.message}`, { ...(e.file ? { file: e.file } : {}), hint: `the runs and manifest.json are stored; swarmlab validate ${where} says what is wrong, swarmlab results ${where} builds the tables again`, cause: e });
  });
  return {
    ...progress(),
    manifest,
    manifestUri: opts.store.uriFor(layout.manifest),
    resultsUri: opts.store.uriFor(layout.root),
    failures,
    notStarted,
    finished,
  };
}
