import { builtinRegistry, ExperimentLayout, isAdaptive, specDigest, type ObjectStore } from 'swarmlab';
import { ExperimentStatus } from '../api/status.ts';
import type { ExperimentRef } from '../jobs/build-job.ts';
import { jobParts, runsPerPodFor } from '../jobs/layout.ts';
import { decide, runsOver, staysFinished, type Observation } from '../status/decide.ts';
import { intersection } from '../status/intervals.ts';
import { describeError } from './api-errors.ts';
import { InputAdmissions } from './admit-inputs.ts';
import { applyActions } from './apply.ts';
import { CheckedRuns } from './checked-runs.ts';
import { countedCalls, type Calls, type ReconcilerDeps } from './deps.ts';
import { combineParts, parseJobIndexes } from './job-parts.ts';
import { emptyObservation, observeFailures, observeParallelism, observeParts, observeResults, observeRunsPerPod, observeStore, observeWorkloads } from './observe.ts';
import { PreparedSpecs } from './prepare.ts';
import { RoundsReconciler } from './reconcile-rounds.ts';
import { StoreProgress } from './store-progress.ts';
import { writeStatus } from './write-status.ts';

// One pass for one Experiment: prepare the spec (prepare.ts), observe the
// world (observe.ts), decide (status/decide.ts, pure), carry out the
// decided actions (apply.ts), write the status and its events
// (write-status.ts).

export interface ReconcileResult {
  /** Come back after this long even without events. */
  requeueAfterMs?: number;
  /** Come back after the key's backoff (a transient failure that was handled, e.g. storage down). */
  backoff?: boolean;
}

/** While work is in progress, re-check at least this often: the store has no watch. */
export const RUNNING_RESYNC_MS = 30_000;
/** Kueue has not yet made or judged a Job's Workload (it does within moments): look again this soon, not at the resync. */
const WAIT_FOR_KUEUE_MS = 2_000;
/** Waiting for the garbage collector to remove a previous Experiment's children of the same name. */
const WAIT_FOR_GC_MS = 2_000;

export class Reconciler {
  private readonly d: ReconcilerDeps;
  private readonly calls: Calls;
  private readonly prepared: PreparedSpecs;
  private readonly inputs: InputAdmissions;
  private readonly storeProgress: StoreProgress;
  private readonly checkedRuns: CheckedRuns;
  private readonly rounds: RoundsReconciler;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.calls = countedCalls(deps.metrics);
    this.prepared = new PreparedSpecs(deps.config, deps.registry);
    this.inputs = new InputAdmissions(deps.registry ?? builtinRegistry, deps.openStore);
    this.storeProgress = new StoreProgress((op, fn) => this.calls.store(op, fn));
    this.checkedRuns = new CheckedRuns((op, fn) => this.calls.store(op, fn));
    this.rounds = new RoundsReconciler(deps, this.calls);
  }

  /** Starts no more background store reads, and waits for those under way. */
  async stop(): Promise<void> {
    await this.checkedRuns.stop();
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const obj = this.d.experiments.get(name, namespace);
    if (obj === undefined || obj.metadata?.deletionTimestamp !== undefined) return {};
    const uid = obj.metadata?.uid ?? '';
    const owner: ExperimentRef = { name, namespace, uid };
    const parsedStatus = ExperimentStatus.safeParse(obj.status ?? {});
    const previous = parsedStatus.success && obj.status !== undefined ? parsedStatus.data : undefined;
    const generation = obj.metadata?.generation ?? 0;
    const now = () => new Date(this.d.clock.now());
    const finish = (decision: ReturnType<typeof decide>) => writeStatus(this.d, this.calls, obj, previous, decision);

    const prepared = this.prepared.get(obj, uid, generation);
    if ('invalid' in prepared) {
      await finish(decide({ ...emptyObservation(generation, now(), previous, previous?.specDigest ?? ''), invalid: prepared.invalid }));
      return {};
    }
    const { exp, total } = prepared;
    const digest = specDigest(exp);
    if (previous !== undefined && staysFinished(previous, digest)) {
      // Nothing in the cluster or the store can change a finished Experiment, so neither is read: an operator starting with thousands of them lists no store.
      await finish(decide(emptyObservation(generation, now(), previous, digest)));
      return {};
    }
    // Files the modules read (a warm start) are fetched before any Job: a reference that cannot be resolved makes the Experiment Invalid.
    const inputs = await this.inputs.get(exp, uid, digest);
    if ('invalid' in inputs) {
      await finish(decide({ ...emptyObservation(generation, now(), previous, digest), invalid: inputs.invalid }));
      return {};
    }
    const layout = ExperimentLayout.of(exp);
    let store: ObjectStore;
    try {
      store = this.d.openStore(exp.spec.output.store);
    } catch (e) {
      await finish(decide({ ...emptyObservation(generation, now(), previous, digest), invalid: { reason: 'StoreUnavailable', message: describeError(e) } }));
      return {};
    }

    if (previous !== undefined && runsOver(previous, digest)) {
      // The runs are over (a run Job may be gone by its TTL): only the finishing step is observed, the runs are not listed again.
      const manifest = { uri: previous.manifestURI ?? '', digest: previous.manifestDigest ?? '' };
      const results = await observeResults(this.d, this.calls, { name, namespace, uid, digest, store, layout, manifestDigest: manifest.digest });
      const decision = decide({ ...emptyObservation(generation, now(), previous, digest), manifest, results });
      const context = { deps: this.d, calls: this.calls, obj, owner, exp, digest, total, parts: [], observed: [], store, layout, storeObs: { ok: true as const, succeeded: [] }, failures: [], workloads: [] };
      if ((await applyActions(context, decision.actions)).waitForGc === true) return { requeueAfterMs: WAIT_FOR_GC_MS };
      await finish(decision);
      return decision.requeue ? { requeueAfterMs: RUNNING_RESYNC_MS } : {};
    }

    if (isAdaptive(exp.spec.sweep)) {
      // Rounds, each its own Job, decided from the results of the rounds before (reconcile-rounds.ts).
      const r = await this.rounds.pass({ obj, owner, exp, digest, store, layout, previous, generation, now });
      if (r.waitForGc === true) return { requeueAfterMs: WAIT_FOR_GC_MS };
      if (r.backoff === true) return { backoff: true };
      if (r.waitForKueue === true) return { requeueAfterMs: WAIT_FOR_KUEUE_MS };
      return r.requeue ? { requeueAfterMs: RUNNING_RESYNC_MS } : {};
    }

    const jobGeneration = previous?.jobGeneration ?? 0;
    // The block size of existing Jobs is theirs (the spec's default may have moved since); a new generation takes the spec's.
    const made = await observeRunsPerPod(this.d, this.calls, { name, namespace, uid, digest, jobGeneration });
    const runsPerPod = made ?? runsPerPodFor(exp, total, this.d.config.defaultParallelism);
    const parts = jobParts(total, this.d.config.maxIndexesPerJob, runsPerPod);
    const found = await observeParts(this.d, this.calls, { name, namespace, uid, digest, jobGeneration, parts });
    if ('waitForGc' in found) return { requeueAfterMs: WAIT_FOR_GC_MS };
    const { observed } = found;
    // A missing part is treated like a missing Job: a new generation of every part (finished runs are skipped by the runner).
    const complete = observed.length === parts.length;
    const job = complete ? combineParts(observed, jobGeneration) : undefined;
    const progressKey = `${uid}/${digest}/${jobGeneration}/${store.uri}`;
    const completed = parseJobIndexes(job?.completedIndexes);
    const storeObs = await observeStore(this.storeProgress, {
      key: progressKey,
      store,
      layout,
      total,
      completed,
      finished: job?.finished !== undefined,
      now: this.d.clock.now(),
    });
    // A run is checked for the manifest once its block's pod exited 0: no pod of this generation writes it again.
    if (storeObs.ok) this.checkedRuns.offer({ experiment: uid, key: progressKey, exp, store, layout, ready: intersection(storeObs.succeeded, completed) });
    const failures = complete ? await observeFailures(this.d, this.calls, namespace, observed) : [];
    const manifest = previous?.manifestURI !== undefined && previous.manifestDigest !== undefined && previous.specDigest === digest ? { uri: previous.manifestURI, digest: previous.manifestDigest } : undefined;
    const queueName = exp.spec.execution.queueName;
    const kueue = queueName === undefined ? undefined : await observeWorkloads(this.d, this.calls, namespace, queueName, observed);
    const resultsQuery = { name, namespace, uid, digest, store, layout };
    const results = manifest === undefined ? undefined : await observeResults(this.d, this.calls, { ...resultsQuery, manifestDigest: manifest.digest });

    const observation: Observation = {
      generation,
      now: now(),
      previous,
      invalid: undefined,
      digest,
      total,
      resultsURI: `${store.uriFor(layout.root)}/`,
      suspend: exp.spec.execution.suspend === true,
      ...(exp.spec.execution.maxFailedRuns !== undefined ? { maxFailedRuns: exp.spec.execution.maxFailedRuns } : {}),
      job,
      store: storeObs,
      failures,
      manifest,
      results,
      parallelism: observeParallelism(exp, this.d.config, parts, observed),
      ...(kueue !== undefined ? { queue: kueue.queue } : {}),
    };
    let decision = decide(observation);
    const context = { deps: this.d, calls: this.calls, obj, owner, exp, digest, total, parts, observed, store, layout, storeObs, failures, workloads: kueue?.workloads ?? [], checked: { runs: this.checkedRuns, key: progressKey } };
    const outcome = await applyActions(context, decision.actions);
    if (outcome.waitForGc === true) return { requeueAfterMs: WAIT_FOR_GC_MS };
    if (outcome.manifest !== undefined) {
      // The finishing step follows the manifest in the same pass.
      const written = { ...observation, manifest: outcome.manifest, results: await observeResults(this.d, this.calls, { ...resultsQuery, manifestDigest: outcome.manifest.digest }) };
      decision = decide(written);
      await applyActions(context, decision.actions.filter((a) => a.kind === 'createResultsJob'));
    }
    await finish(decision);
    if (!storeObs.ok) return { backoff: true };
    if (kueue?.queue.undecided === true && decision.requeue) return { requeueAfterMs: WAIT_FOR_KUEUE_MS };
    return decision.requeue ? { requeueAfterMs: RUNNING_RESYNC_MS } : {};
  }
}
