import { availableParallelism } from 'node:os';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isSwarmlabError } from '../errors.ts';
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
  /** Worker threads; 1 runs in this thread. Default: every core. */
  readonly workers?: number;
  readonly cwd?: string;
  onProgress?(p: Progress): void;
}

export interface LocalRunResult extends Progress {
  readonly manifest: Manifest;
  readonly manifestUri: string;
  readonly resultsUri: string;
  readonly failures: ReadonlyMap<number, RunFailure>;
}

/** `swarmlab run`: validates everything first, runs the matrix on a worker pool, writes the manifest last. */
export async function runLocal(exp: Experiment, opts: LocalRunOptions): Promise<LocalRunResult> {
  validateExperiment(exp, opts.registry);
  // Worker processes read it too: a bad value is one usage error here, not every worker dying at start.
  parseFailpoint(process.env[FAILPOINT_ENV]);
  await opts.store.check();
  const points = plan(exp);
  const layout = ExperimentLayout.of(exp);
  const retries = exp.spec.execution.retries;
  const wanted = opts.workers ?? exp.spec.execution.parallelism ?? availableParallelism();
  const workers = Math.max(1, Math.min(wanted, points.length));

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
    const index = queue.shift();
    return index === undefined ? undefined : { index, attempt: `local-${attempts.get(index) ?? 0}` };
  };

  if (workers === 1) {
    // In this thread, still two runs in flight: one computes while the other waits on the store.
    const lane = async (): Promise<void> => {
      for (let req = nextRequest(); req; req = nextRequest()) settle(await executeOne(exp, req, opts.store, opts.registry));
    };
    await Promise.all([lane(), lane()]);
  } else {
    await runPool(workers, { experiment: exp, storeUri: opts.store.uri, cwd: opts.cwd ?? process.cwd() }, nextRequest, settle);
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

/**
 * Runs requests on worker processes, IN_FLIGHT at a time per worker, until
 * none are left and none are running. Processes rather than threads: each
 * has its own heap, and a worker that dies (a run that exhausts memory, a
 * crash in native code) fails only the runs it had in flight, which are
 * retried like any failed run, and is replaced. Workers get Node's default
 * flags (NODE_OPTIONS reaches them through the environment); inheriting this
 * process's would pass on --inspect and its port.
 */
async function runPool(
  size: number,
  init: WorkerInit,
  next: () => WorkerRequest | undefined,
  settle: (r: WorkerResult) => void,
): Promise<void> {
  const IN_FLIGHT = 2;
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const live = new Set<ChildProcess>();
  const serve = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const w = fork(entry, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      live.add(w);
      const inFlight = new Set<number>();
      let done = false;
      const feed = (): void => {
        const request = next();
        if (request) {
          inFlight.add(request.index);
          w.send({ kind: 'run', request } satisfies WorkerMessage);
        } else if (inFlight.size === 0) {
          done = true;
          resolve();
        }
      };
      w.on('message', (res: WorkerResult) => {
        inFlight.delete(res.index);
        settle(res);
        feed();
      });
      w.on('error', (e) => {
        done = true;
        reject(e);
      });
      w.on('exit', (code, signal) => {
        live.delete(w);
        if (done) return;
        done = true;
        const message = `worker process exited (${signal ?? `code ${String(code)}`}) while running this run`;
        for (const index of inFlight) settle({ index, ok: false, failure: { code: 'RUN_FAILED', message }, retryable: true });
        serve().then(resolve, reject);
      });
      w.send({ kind: 'init', init } satisfies WorkerMessage);
      for (let i = 0; i < IN_FLIGHT; i++) feed();
    });
  try {
    await Promise.all(Array.from({ length: size }, serve));
  } finally {
    for (const w of live) if (w.connected) w.disconnect();
  }
}
