import { availableParallelism } from 'node:os';
import { isSwarmlabError, SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { validateExperiment } from '../modules/resolve.ts';
import type { Experiment } from '../spec/experiment.ts';
import { plan } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { assembleManifest, formatManifest, type RunFailure } from '../outputs/manifest.ts';
import type { Manifest, RunRecord } from '../outputs/schemas.ts';
import { runAndPromote } from './promote.ts';
import { FAILPOINT_ENV, parseFailpoint } from './failpoints.ts';
import { WorkerPool } from './worker-pool.ts';
import { sweepWorkers } from './worker-count.ts';

export interface WorkerInit {
  readonly experiment: unknown;
  readonly storeUri: string;
  readonly cwd: string;
}

export interface WorkerRequest {
  readonly index: number;
  readonly attempt: string;
}

export type WorkerMessage = { readonly kind: 'init'; readonly init: WorkerInit } | { readonly kind: 'run'; readonly request: WorkerRequest };

export type WorkerResult =
  | { readonly index: number; readonly ok: true; readonly record: RunRecord; readonly resumed: boolean }
  | { readonly index: number; readonly ok: false; readonly failure: RunFailure; readonly retryable: boolean };

/** Runs one index and reports the outcome as a value (never throws): shared by the pool and in-process runs. */
export async function executeOne(exp: Experiment, req: WorkerRequest, store: ObjectStore, registry: ModuleRegistry): Promise<WorkerResult> {
  try {
    const out = await runAndPromote(exp, req.index, store, { registry, attempt: req.attempt });
    return { index: req.index, ok: true, record: out.record, resumed: out.status === 'resumed' };
  } catch (e) {
    const code = isSwarmlabError(e) ? e.code : 'RUN_FAILED';
    const message = isSwarmlabError(e) ? e.describe() : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    // Bad outputs and conflicts will not get better by running again; a thrown run might (it is deterministic, but stores are not).
    const retryable = code === 'RUN_FAILED' || code === 'STORE_UNAVAILABLE';
    return { index: req.index, ok: false, failure: { code, message }, retryable };
  }
}

export interface Progress {
  readonly done: number;
  readonly total: number;
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
}

/** `swarmlab run`: validates everything first, runs the matrix on a worker pool, writes the manifest last. */
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
  await opts.store.check();
  const points = plan(exp);
  const layout = ExperimentLayout.of(exp);
  const retries = exp.spec.execution.retries;
  const { workers, warning } = sweepWorkers(opts.workers ?? exp.spec.execution.parallelism ?? availableParallelism(), points.length);
  if (warning) opts.onWarning?.(warning);

  const records = new Map<number, RunRecord>();
  const failures = new Map<number, RunFailure>();
  const attempts = new Map<number, number>();
  let resumed = 0;
  const queue = points.map((p) => p.index);
  const progress = (): Progress => ({ done: records.size + failures.size, total: points.length, succeeded: records.size, failed: failures.size, resumed });

  const settle = (res: WorkerResult): void => {
    if (res.ok) {
      records.set(res.index, res.record);
      if (res.resumed) resumed++;
    } else {
      const n = (attempts.get(res.index) ?? 0) + 1;
      attempts.set(res.index, n);
      if (res.retryable && n <= retries) {
        queue.push(res.index);
        return;
      }
      failures.set(res.index, res.failure);
    }
    opts.onProgress?.(progress());
  };
  const nextRequest = (): WorkerRequest | undefined => {
    if (opts.signal?.aborted === true) return undefined;
    const index = queue.shift();
    return index === undefined ? undefined : { index, attempt: `local-${attempts.get(index) ?? 0}` };
  };

  if (workers === 1) {
    opts.pool?.close();
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
    const pool = opts.pool ?? WorkerPool.start(workers);
    await pool.run(workers, { experiment: exp, storeUri: opts.store.uri, cwd: opts.cwd ?? process.cwd() }, nextRequest, settle);
  }

  const done = records.size + failures.size;
  if (done < points.length) {
    throw new SwarmlabError('INTERRUPTED', `${done} of ${points.length} runs finished and were kept (${failures.size} failed); the manifest was not written`, {
      file: opts.store.uriFor(layout.root),
      hint: 'run the same command again to resume: finished runs are not run again',
    });
  }
  const manifest = assembleManifest(exp, points, records, failures);
  await opts.store.put(layout.manifest, formatManifest(manifest));
  return {
    ...progress(),
    manifest,
    manifestUri: opts.store.uriFor(layout.manifest),
    resultsUri: opts.store.uriFor(layout.root),
    failures,
  };
}
