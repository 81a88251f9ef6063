import { describeError } from './api-errors.ts';
import { isConflict, ownedBy } from './api-errors.ts';
import { storeRoundFile, type Experiment, type ExperimentLayout, type ObjectStore } from 'swarmlab';
import type { ExperimentStatus } from '../api/status.ts';
import { buildRoundJob } from '../jobs/build-round-job.ts';
import type { ExperimentRef } from '../jobs/build-job.ts';
import { decideRounds, type RoundsAction, type RoundsDecision, type RoundsObservation } from '../status/decide-rounds.ts';
import type { Action, ManifestWritten } from '../status/decide.ts';
import { applyActions, type ApplyContext } from './apply.ts';
import type { Calls, ExperimentObject, ReconcilerDeps } from './deps.ts';
import { recordEvent } from './events.ts';
import type { ObservedPart } from './job-parts.ts';
import { observeResults, observeWorkloads } from './observe.ts';
import { RoundsObserver, type RoundsObserved } from './observe-rounds.ts';
import { writeRoundsManifest } from './write-rounds-manifest.ts';
import { writeStatus } from './write-status.ts';
import type { Workload } from '../kueue/workloads.ts';

// One pass for an adaptive sweep (spec.sweep.replication, breakingPoint):
// observe its rounds (observe-rounds.ts), decideRounds (pure), carry out the
// actions, write the status. The reconciler hands an adaptive Experiment
// here once it is prepared, not finished, and its store is open.

export interface RoundsPassInput {
  obj: ExperimentObject;
  owner: ExperimentRef;
  exp: Experiment;
  digest: string;
  store: ObjectStore;
  layout: ExperimentLayout;
  previous: ExperimentStatus | undefined;
  generation: number;
  now: () => Date;
}

/** `waitForKueue`: Kueue has not yet made or judged the round Job's Workload (it does within moments). */
export type RoundsPassResult = { requeue: boolean; waitForGc?: boolean; backoff?: boolean; waitForKueue?: boolean };

export class RoundsReconciler {
  readonly #d: ReconcilerDeps;
  readonly #calls: Calls;
  readonly #observer: RoundsObserver;

  constructor(d: ReconcilerDeps, calls: Calls) {
    this.#d = d;
    this.#calls = calls;
    this.#observer = new RoundsObserver(d, calls);
  }

  async pass(p: RoundsPassInput): Promise<RoundsPassResult> {
    const { exp, store, layout, owner, digest, previous } = p;
    const query = { key: `${owner.uid}/${digest}/${store.uri}`, name: owner.name, namespace: owner.namespace, uid: owner.uid, digest, exp, store, layout };
    let observed: RoundsObserved | undefined;
    let storeError: string | undefined;
    try {
      observed = await this.#observer.observe(query);
    } catch (e) {
      storeError = describeError(e).slice(0, 900);
    }
    if (observed?.waitForGc === true) return { requeue: true, waitForGc: true };
    const manifest = previous?.manifestURI !== undefined && previous.manifestDigest !== undefined && previous.specDigest === digest ? { uri: previous.manifestURI, digest: previous.manifestDigest } : undefined;
    const resultsQuery = { name: owner.name, namespace: owner.namespace, uid: owner.uid, digest, store, layout };
    const results = manifest === undefined ? undefined : await observeResults(this.#d, this.#calls, { ...resultsQuery, manifestDigest: manifest.digest });
    const roundJob: ObservedPart[] = observed?.jobObject === undefined ? [] : [{ job: observed.jobObject, part: { offset: 0, size: observed.state.planned, runsPerPod: 1 } }];
    const queueName = exp.spec.execution.queueName;
    const kueue = queueName === undefined ? undefined : await observeWorkloads(this.#d, this.#calls, owner.namespace, queueName, roundJob);
    const obs: RoundsObservation = {
      generation: p.generation,
      now: p.now(),
      previous,
      digest,
      resultsURI: `${store.uriFor(layout.root)}/`,
      suspend: exp.spec.execution.suspend === true,
      ...(exp.spec.execution.maxFailedRuns !== undefined ? { maxFailedRuns: exp.spec.execution.maxFailedRuns } : {}),
      rounds: observed?.state ?? { round: previous?.rounds?.current ?? 0, planned: previous?.runs?.total ?? 0, openPoints: previous?.rounds?.openPoints ?? 0, ended: previous?.rounds?.ended ?? false },
      job: observed?.job,
      store: observed === undefined ? { ok: false, message: storeError ?? 'the store could not be read' } : { ok: true, succeeded: observed.succeeded, failed: observed.failed },
      manifest,
      results,
      ...(kueue !== undefined ? { queue: kueue.queue } : {}),
    };
    let decision = decideRounds(obs);
    const kueueContext = { roundJob, workloads: kueue?.workloads ?? [] };
    const written = observed === undefined ? {} : await this.#apply(p, observed, kueueContext, decision.actions);
    if (written.waitForGc === true) return { requeue: true, waitForGc: true };
    if (written.manifest !== undefined) {
      // The finishing step follows the manifest in the same pass.
      decision = decideRounds({ ...obs, manifest: written.manifest, results: await observeResults(this.#d, this.#calls, { ...resultsQuery, manifestDigest: written.manifest.digest }) });
      if (observed !== undefined) await this.#apply(p, observed, kueueContext, decision.actions.filter((a) => a.kind === 'createResultsJob'));
    }
    await writeStatus(this.#d, this.#calls, p.obj, previous, { ...decision, actions: [] });
    return { requeue: decision.requeue, ...(observed === undefined ? { backoff: true } : {}), ...(kueue?.queue.undecided === true && decision.requeue ? { waitForKueue: true } : {}) };
  }

  /** Carries out decideRounds' actions in order: a round's start and the manifest here, the rest as for any sweep (apply.ts). */
  async #apply(
    p: RoundsPassInput,
    observed: RoundsObserved,
    current: { roundJob: readonly ObservedPart[]; workloads: readonly Workload[] },
    actions: readonly RoundsAction[],
  ): Promise<{ waitForGc?: boolean; manifest?: ManifestWritten }> {
    const ctx: ApplyContext = {
      deps: this.#d,
      calls: this.#calls,
      obj: p.obj,
      owner: p.owner,
      exp: p.exp,
      digest: p.digest,
      total: observed.state.planned,
      parts: [],
      observed: current.roundJob,
      store: p.store,
      layout: p.layout,
      storeObs: { ok: true, succeeded: observed.succeeded },
      failures: [],
      workloads: current.workloads,
    };
    let manifest: ManifestWritten | undefined;
    for (const action of actions) {
      if (action.kind === 'startRound') {
        if (!(await this.#startRound(p, observed, action.round))) return { waitForGc: true };
      } else if (action.kind === 'writeManifest') {
        manifest = await writeRoundsManifest(this.#calls, p.exp, { plan: observed.plan, store: p.store, layout: p.layout, pending: observed.pending, ...(action.notRun !== undefined ? { notRun: action.notRun } : {}) });
      } else {
        const out = await applyActions(ctx, [action satisfies Action]);
        if (out.waitForGc === true) return { waitForGc: true };
      }
    }
    return manifest === undefined ? {} : { manifest };
  }

  /** The round's run list into the store (write-once), then its Job. False when a Job of its name belongs to an earlier Experiment. */
  async #startRound(p: RoundsPassInput, observed: RoundsObserved, round: number): Promise<boolean> {
    const r = observed.plan.rounds[round];
    if (r === undefined) return true;
    await this.#calls.store('put', () => storeRoundFile(p.store, p.layout, r));
    const job = buildRoundJob({ owner: p.owner, experiment: p.exp, digest: p.digest, round, runs: r.indices.length, config: this.#d.config });
    const { namespace } = p.owner;
    try {
      await this.#calls.api('create', () => this.#d.batch.createNamespacedJob({ namespace, body: job }));
    } catch (e) {
      if (!isConflict(e)) throw e;
      const existing = await this.#calls.api('get', () => this.#d.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace }));
      return ownedBy(existing, p.owner.uid);
    }
    await recordEvent(this.#d, this.#calls, p.obj, { type: 'Normal', reason: 'RoundStarted', message: `round ${round}: Job ${job.metadata?.name ?? ''} for ${r.indices.length} runs, ${observed.state.openPoints} points open` });
    return true;
  }
}

export type { RoundsDecision };
