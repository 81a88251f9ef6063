import type { ModuleRegistry } from '../modules/registry.ts';
import type { Experiment } from '../spec/experiment.ts';
import { runCount, runIdOf } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import type { StoredHash } from '../outputs/manifest.ts';
import { failureOf, type RunFailure } from '../outputs/failure-record.ts';
import type { RunRecord } from '../outputs/schemas.ts';
import type { PluginSource } from '../plugins/runner-registry.ts';
import { runAndPromote } from './promote.ts';
import { storeFailureRecord } from './report-failure.ts';
import { beforeValidateFailpoint, FAILPOINT_ENV, parseFailpoint, storeFailpoint } from './failpoints.ts';

// One run as the schedule (schedule.ts) hands it out, in this process or in a
// worker process, and the messages between the pool and its workers.

export interface WorkerInit {
  readonly experiment: unknown;
  readonly storeUri: string;
  readonly cwd: string;
  /** Module packages beyond the built-in ones, loaded by every worker so that it has the same registry. */
  readonly plugins: readonly PluginSource[];
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
