import { isRetryable } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { StoredHash } from '../outputs/manifest.ts';
import type { RunFailure } from '../outputs/failure-record.ts';
import type { RunRecord } from '../outputs/schemas.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { ObjectStore } from '../store/store.ts';
import { executeOne, type WorkerRequest, type WorkerResult } from './execute-one.ts';
import { WorkerPool } from './worker-pool.ts';

// Running a list of runs on this machine: in this process or on a pool of
// worker processes, each run executed, validated and promoted on its own,
// retried as the error table says, under a failure budget. `swarmlab run`
// gives it every run of the sweep; a Job pod (run-index) gives it its block.

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

export interface ScheduleInput {
  readonly exp: Experiment;
  /** Global run indexes, run in this order. */
  readonly indexes: readonly number[];
  readonly store: ObjectStore;
  readonly registry: ModuleRegistry;
  /** Worker processes; 1 runs in this process. */
  readonly workers: number;
  /** Workers started ahead (WorkerPool.start); used when workers > 1, and left running for the caller to end. */
  readonly pool?: WorkerPool | undefined;
  readonly cwd?: string | undefined;
  /** Aborted: no further run starts; runs in flight finish. */
  readonly signal?: AbortSignal | undefined;
  /** Tries after the first of a run whose failure is retryable. */
  readonly retries: number;
  /** Once more runs than this have failed for good, no run or retry starts (runs in flight finish). Unset: every run is tried. */
  readonly budget?: number | undefined;
  /** The attempt id a run's provenance records, for its `tries`-th try (0: the first). */
  attempt(index: number, tries: number): string;
  onProgress?(p: Progress): void;
}

export interface ScheduleOutcome {
  readonly records: ReadonlyMap<number, RunRecord>;
  readonly provenance: ReadonlyMap<number, StoredHash>;
  /** Runs that failed for good. */
  readonly failures: ReadonlyMap<number, RunFailure>;
  /** Runs whose retry was queued when the runs stopped (budget or signal): their last failure. */
  readonly pendingRetry: ReadonlyMap<number, RunFailure>;
  /** Succeeded runs that were already promoted and still matched their record: nothing ran. */
  readonly resumed: ReadonlySet<number>;
  /** More runs failed for good than the budget allows. */
  readonly budgetSpent: boolean;
}

export async function schedule(input: ScheduleInput): Promise<ScheduleOutcome> {
  const { exp, budget } = input;
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const failures = new Map<number, RunFailure>();
  const attempts = new Map<number, number>();
  const pendingRetry = new Map<number, RunFailure>();
  const budgetSpent = (): boolean => budget !== undefined && failures.size > budget;
  const resumed = new Set<number>();
  const queue = [...input.indexes];
  const progress = (): Progress => ({ done: records.size + failures.size, total: input.indexes.length, succeeded: records.size, failed: failures.size, resumed: resumed.size });

  const settle = (res: WorkerResult): void => {
    if (res.ok) {
      records.set(res.index, res.record);
      if (res.provenance) provenance.set(res.index, res.provenance);
      if (res.resumed) resumed.add(res.index);
    } else {
      const n = (attempts.get(res.index) ?? 0) + 1;
      attempts.set(res.index, n);
      // The error table decides (errors.ts): the same policy as the Jobs' podFailurePolicy.
      if (isRetryable(res.failure.code) && n <= input.retries && !budgetSpent()) {
        pendingRetry.set(res.index, res.failure);
        queue.push(res.index);
        return;
      }
      pendingRetry.delete(res.index);
      failures.set(res.index, res.failure);
    }
    input.onProgress?.(progress());
  };
  const nextRequest = (): WorkerRequest | undefined => {
    if (input.signal?.aborted === true || budgetSpent()) return undefined;
    const index = queue.shift();
    if (index !== undefined) pendingRetry.delete(index);
    return index === undefined ? undefined : { index, attempt: input.attempt(index, attempts.get(index) ?? 0) };
  };

  if (input.workers === 1) {
    input.pool?.close();
    // In this process, still two runs in flight: one computes while the other waits on the store.
    const lane = async (): Promise<void> => {
      for (let req = nextRequest(); req; req = nextRequest()) {
        settle(await executeOne(exp, req, input.store, input.registry));
        // A file store's writes settle as microtasks: without a turn of the event loop a signal would wait for every run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([lane(), lane()]);
  } else {
    // A pool passed in outlives these runs (the next round's); one started here ends with them.
    const pool = input.pool ?? WorkerPool.start(input.workers);
    try {
      await pool.run(input.workers, { experiment: exp, storeUri: input.store.uri, cwd: input.cwd ?? process.cwd(), plugins: input.registry.plugins() }, nextRequest, settle);
    } finally {
      if (input.pool === undefined) pool.close();
    }
  }
  return { records, provenance, failures, pendingRetry, resumed, budgetSpent: budgetSpent() };
}
