import { availableParallelism } from 'node:os';
import { isRetryable, isSwarmlabError, SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import type { Experiment } from '../spec/experiment.ts';
import { isAdaptive, plan, planRun, runCount, runIdOf, sweepSeeds, type RunPoint } from '../spec/plan.ts';
import { planRounds, plannedIndices, type RoundsPlan } from '../rounds/plan-rounds.ts';
import { manifestRunOf, observeRuns, roundsColumn } from '../rounds/observe.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { assembleManifest, formatManifest, type StoredHash } from '../outputs/manifest.ts';
import { finishResults, type FinishedResults } from '../results/finish.ts';
import { failureOf, type RunFailure } from '../outputs/failure-record.ts';
import type { Manifest, RunRecord } from '../outputs/schemas.ts';
import { runAndPromote } from './promote.ts';
import { storeFailureRecord } from './report-failure.ts';
import { beforeValidateFailpoint, FAILPOINT_ENV, parseFailpoint, storeFailpoint } from './failpoints.ts';
import { WorkerPool } from './worker-pool.ts';
import type { PluginSource } from '../plugins/runner-registry.ts';
import { sweepWorkers } from './worker-count.ts';

export interface WorkerInit {
  readonly experiment: unknown;
  readonly storeUri: string;
  readonly cwd: string;
  /** Module packages beyond the built-in ones, loaded by every worker so that it has the same registry. */
  readonly plugins: readonly PluginSource[];
}

/** A run's identity as the manifest lists it. */
function runEntry(p: RunPoint): { run_id: string; index: number; seed: number; params: Record<string, RunPoint['params'][string]> } {
  return { run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params } };
}

export interface WorkerRequest {
  readonly index: number;
  readonly attempt: string;
}

export type WorkerMessage = { readonly kind: 'init'; readonly init: WorkerInit } | { readonly kind: 'run'; readonly request: WorkerRequest };

export type WorkerResult =
  | { readonly index: number; readonly ok: true; readonly record: RunRecord; readonly resumed: boolean; readonly provenance?: StoredHash }
  | { readonly index: number; readonly ok: false; readonly failure: RunFailure };

/**
 * Runs one index and reports the outcome as a value (never throws): shared by
 * the pool and in-process runs. A failure is also recorded in the store, as a
 * runner pod records it.
 */
export async function executeOne(exp: Experiment, req: WorkerRequest, store: ObjectStore, registry: ModuleRegistry): Promise<WorkerResult> {
  try {
    // Test-only fault injection (failpoints.ts), as in run-index; nothing is injected unless SWARMLAB_FAILPOINT is set.
    const fp = parseFailpoint(process.env[FAILPOINT_ENV]);
    const out = await runAndPromote(exp, req.index, storeFailpoint(fp, req.index, store), {
      registry,
      attempt: req.attempt,
      beforeValidate: beforeValidateFailpoint(fp, req.index),
    });
    return { index: req.index, ok: true, record: out.record, resumed: out.status === 'resumed', ...(out.provenance ? { provenance: out.provenance } : {}) };
  } catch (e) {
    const failure = failureOf(e, req.index, req.attempt);
    await storeFailureRecord(store, ExperimentLayout.of(exp), runIdOf(req.index, runCount(exp.spec.sweep)), failure);
    return { index: req.index, ok: false, failure };
  }
}

export interface Progress {
  readonly done: number;
  /** Runs planned so far: the sweep's, or an adaptive sweep's rounds so far. */
  readonly total: number;
  /** An adaptive sweep's round being run (from 0). */
  readonly round?: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly resumed: number;
}

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
  await opts.store.check(layout.root);
  const adaptive = isAdaptive(exp.spec.sweep);
  const column = roundsColumn(exp);
  const observed = new Map<number, number | null>();
  let rounds: RoundsPlan | undefined = adaptive ? planRounds(exp, observed) : undefined;
  let batch = rounds === undefined ? plan(exp).map((p) => p.index) : [...rounds.pending];
  const retries = exp.spec.execution.retries;
  const { workers, warning } = sweepWorkers(opts.workers ?? exp.spec.execution.parallelism ?? availableParallelism(), batch.length);
  if (warning) opts.onWarning?.(warning);

  const budget = exp.spec.execution.maxFailedRuns;
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const failures = new Map<number, RunFailure>();
  const attempts = new Map<number, number>();
  /** A run's last failure while a retry of it waits in the queue. */
  const pendingRetry = new Map<number, RunFailure>();
  // The failure budget counts runs that failed for good; once spent, no run or retry starts (runs in flight finish).
  const budgetSpent = (): boolean => budget !== undefined && failures.size > budget;
  let resumed = 0;
  let planned = batch.length;
  const queue = [...batch];
  const progress = (): Progress => ({
    done: records.size + failures.size,
    total: planned,
    succeeded: records.size,
    failed: failures.size,
    resumed,
    ...(rounds !== undefined ? { round: rounds.rounds.length - 1 } : {}),
  });

  const settle = (res: WorkerResult): void => {
    if (res.ok) {
      records.set(res.index, res.record);
      if (res.provenance) provenance.set(res.index, res.provenance);
      if (res.resumed) resumed++;
    } else {
      const n = (attempts.get(res.index) ?? 0) + 1;
      attempts.set(res.index, n);
      // The error table decides (errors.ts): the same policy as the Jobs' podFailurePolicy.
      if (isRetryable(res.failure.code) && n <= retries && !budgetSpent()) {
        pendingRetry.set(res.index, res.failure);
        queue.push(res.index);
        return;
      }
      pendingRetry.delete(res.index);
      failures.set(res.index, res.failure);
    }
    opts.onProgress?.(progress());
  };
  const nextRequest = (): WorkerRequest | undefined => {
    if (opts.signal?.aborted === true || budgetSpent()) return undefined;
    const index = queue.shift();
    if (index !== undefined) pendingRetry.delete(index);
    return index === undefined ? undefined : { index, attempt: `local-${attempts.get(index) ?? 0}` };
  };

  const pool = workers === 1 ? undefined : (opts.pool ?? WorkerPool.start(workers));
  if (workers === 1) opts.pool?.close();
  const runQueue = async (): Promise<void> => {
    if (pool === undefined) {
      // In this process, still two runs in flight: one computes while the other waits on the store.
      const lane = async (): Promise<void> => {
        for (let req = nextRequest(); req; req = nextRequest()) {
          settle(await executeOne(exp, req, opts.store, opts.registry));
          // A file store's writes settle as microtasks: without a turn of the event loop a signal would wait for the whole sweep.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await Promise.all([lane(), lane()]);
    } else {
      await pool.run(workers, { experiment: exp, storeUri: opts.store.uri, cwd: opts.cwd ?? process.cwd(), plugins: opts.registry.plugins() }, nextRequest, settle);
    }
  };

  try {
    await runQueue();
    // An adaptive sweep: each round's runs are read back as the results table has them, and decide the next round.
    while (rounds !== undefined && rounds.ended === undefined && opts.signal?.aborted !== true && !budgetSpent()) {
      if (batch.some((i) => !records.has(i) && !failures.has(i))) break;
      const settled = batch.map((i) => {
        const rec = records.get(i);
        return rec !== undefined ? manifestRunOf(rec) : { ...runEntry(planRun(exp, i)), status: 'failed' as const };
      });
      for (const [i, v] of await observeRuns(opts.store, layout, column as string, settled)) observed.set(i, v);
      rounds = planRounds(exp, observed);
      batch = [...rounds.pending];
      planned += batch.length;
      queue.push(...batch);
      if (batch.length > 0) {
        opts.onProgress?.(progress());
        await runQueue();
      }
    }
  } finally {
    pool?.close();
  }
  if (rounds !== undefined && rounds.ended === undefined && !budgetSpent()) {
    const done = records.size + failures.size;
    throw new SwarmlabError('INTERRUPTED', `${done} runs of ${rounds.rounds.length} rounds finished and were kept (${failures.size} failed); the manifest was not written`, {
      file: opts.store.uriFor(layout.root),
      hint: 'run the same command again to resume: finished runs are not run again, and the rounds are decided again from them',
    });
  }
  const seeds = sweepSeeds(exp.spec.sweep);
  const points: RunPoint[] = rounds === undefined ? plan(exp) : plannedIndices(rounds).map((i) => planRun(exp, i, seeds));

  let notStarted = 0;
  if (budgetSpent()) {
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
