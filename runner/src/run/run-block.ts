import { isRetryable } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { RunFailure } from '../outputs/failure-record.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { ObjectStore } from '../store/store.ts';
import { FAILPOINT_ENV, parseFailpoint } from './failpoints.ts';
import { schedule } from './schedule.ts';
import { sweepWorkers } from './worker-count.ts';
import type { WorkerPool } from './worker-pool.ts';

// What a Job pod runs: one completion index's block of consecutive runs,
// through the same schedule and worker pool as `swarmlab run`. Every run is
// promoted on its own as it finishes, so a pod that dies loses only its runs
// in flight, and the pod that retries the index skips each run already
// promoted (after checking its files against its record, as any resume does).

/** The runs of one completion index: `first` .. `last`, global run indexes; or, for a round of an adaptive sweep, its positions' runs (`indexes`, ascending, from first to last). */
export interface Block {
  readonly first: number;
  readonly last: number;
  readonly indexes?: readonly number[];
}

/** The block's run indexes, ascending. */
export function blockIndexes(block: Block): number[] {
  return block.indexes !== undefined ? [...block.indexes] : Array.from({ length: block.last - block.first + 1 }, (_, i) => block.first + i);
}

/**
 * Completion index `index` of a Job whose first run is `offset`, at
 * `runsPerPod` runs an index; the sweep's last block may be shorter.
 * Undefined when the index holds no run of a sweep of `total`.
 */
export function blockOf(index: number, offset: number, runsPerPod: number, total: number): Block | undefined {
  const first = offset + index * runsPerPod;
  if (first >= total) return undefined;
  return { first, last: Math.min(first + runsPerPod, total) - 1 };
}

export interface BlockOptions {
  readonly store: ObjectStore;
  readonly registry: ModuleRegistry;
  /** Worker processes (the pod's CPU request); 1 runs in this process. */
  readonly workers: number;
  readonly pool?: WorkerPool | undefined;
  /** This pod: every run's provenance records it. */
  readonly attempt: string;
  /** Aborted (the pod is asked to stop): no further run starts; runs in flight finish and are kept. */
  readonly signal?: AbortSignal | undefined;
  onWarning?(message: string): void;
}

/** A run of the block that succeeded: its record's digest, and whether it was already promoted (and still matched its record), so nothing ran. */
export interface BlockRun {
  readonly index: number;
  readonly digest: string;
  readonly resumed: boolean;
}

export interface BlockResult {
  readonly block: Block;
  /** In run order. */
  readonly succeeded: readonly BlockRun[];
  /** Runs that failed, by run index (each also recorded in the store by executeOne). */
  readonly failures: readonly RunFailure[];
  /** Runs never started because the pod was asked to stop. */
  readonly notStarted: readonly number[];
}

/**
 * Runs every run of the block, each once: a retry is the Job's (its
 * backoffLimitPerIndex is spec.execution.retries), and the retried pod runs
 * only the runs without outputs, so each run gets as many tries as the local
 * executor gives it.
 */
export async function runBlock(exp: Experiment, block: Block, opts: BlockOptions): Promise<BlockResult> {
  // Worker processes read it too: a bad value is one usage error here, not every run failing.
  parseFailpoint(process.env[FAILPOINT_ENV]);
  const indexes = blockIndexes(block);
  const { workers, warning } = sweepWorkers(opts.workers, indexes.length);
  if (warning) opts.onWarning?.(warning);
  const ran = await schedule({
    exp,
    indexes,
    store: opts.store,
    registry: opts.registry,
    workers,
    pool: opts.pool,
    signal: opts.signal,
    retries: 0,
    attempt: () => opts.attempt,
  });
  const failures = [...ran.failures.values()].sort((a, b) => a.index - b.index);
  return {
    block,
    succeeded: [...ran.records.entries()].sort(([a], [b]) => a - b).map(([index, record]) => ({ index, digest: record.digest, resumed: ran.resumed.has(index) })),
    failures,
    notStarted: indexes.filter((i) => !ran.records.has(i) && !ran.failures.has(i)),
  };
}

/**
 * The failure a pod reports for its block (exit status and termination
 * message), or undefined when every run succeeded. Stopped before the end:
 * INTERRUPTED, retried. Else a retryable failure first, so that the Job
 * retries the index (its runs with a failure that is not retryable fail the
 * same way again, one run each); else the first failure, which fails the
 * index at once.
 */
export function blockFailure(result: BlockResult): RunFailure | undefined {
  const firstNotStarted = result.notStarted[0];
  if (firstNotStarted !== undefined) {
    return {
      index: firstNotStarted,
      code: 'INTERRUPTED',
      message: `the pod was stopped after ${result.succeeded.length + result.failures.length} of ${blockIndexes(result.block).length} runs of its block (runs ${result.block.first}-${result.block.last}); the rest run when the index is retried`,
    };
  }
  return result.failures.find((f) => isRetryable(f.code)) ?? result.failures[0];
}
