import type { V1Job } from '@kubernetes/client-node';
import {
  manifestRunOf,
  observeRuns,
  openPoints,
  planRounds,
  plannedIndices,
  readRunRecord,
  roundsColumn,
  runCount,
  runIdOf,
  type Experiment,
  type ExperimentLayout,
  type ObjectStore,
  type RoundsPlan,
  type RunRecord,
} from 'swarmlab';
import { roundJobName } from '../jobs/names.ts';
import type { RoundJobObservation, RoundsState } from '../status/decide-rounds.ts';
import { fromIndexes, type Intervals } from '../status/intervals.ts';
import { isNotFound, ownedBy } from './api-errors.ts';
import type { Calls, ReconcilerDeps } from './deps.ts';
import { setRecent } from './recent.ts';

// Reading an adaptive sweep's rounds for decideRounds: the rounds are
// replayed with the runner's planRounds from the runs settled so far; a
// round's runs are settled once its Job has finished (or, its Job gone,
// once every one of them has a run.json). What is settled never changes, so
// it is kept between passes; an operator that restarts replays from the
// store.

const READ_CONCURRENCY = 16;
/** Experiments whose settled runs are remembered. */
const KNOWN_LIMIT = 1024;

interface Settled {
  /** Run index -> the metric's value (null: failed or no value), for every run of the settled rounds. */
  values: Map<number, number | null>;
  /** Succeeded runs' records (of settled rounds and of the current one as far as seen). */
  records: Map<number, RunRecord>;
}

export interface RoundsQuery {
  key: string;
  name: string;
  namespace: string;
  uid: string;
  digest: string;
  exp: Experiment;
  store: ObjectStore;
  layout: ExperimentLayout;
}

export interface RoundsObserved {
  plan: RoundsPlan;
  state: RoundsState;
  /** The current round's Job, unless the rounds have ended. */
  job: RoundJobObservation | undefined;
  jobObject: V1Job | undefined;
  succeeded: Intervals;
  failed: number;
  records: ReadonlyMap<number, RunRecord>;
  /** Runs of the current round with no run.json yet (for the manifest when it is stopped). */
  pending: readonly number[];
  /** Set when a Job of the round's name belongs to an earlier Experiment of this name. */
  waitForGc?: boolean;
}

function finishedOf(job: V1Job): RoundJobObservation['finished'] {
  const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return done === undefined ? undefined : { type: done.type as 'Complete' | 'Failed', reason: done.reason ?? '', message: done.message ?? '' };
}

export class RoundsObserver {
  readonly #known = new Map<string, Settled>();
  readonly #d: Pick<ReconcilerDeps, 'jobs' | 'batch' | 'log'>;
  readonly #calls: Calls;

  constructor(d: Pick<ReconcilerDeps, 'jobs' | 'batch' | 'log'>, calls: Calls) {
    this.#d = d;
    this.#calls = calls;
  }

  /** The round's Job by its deterministic name, authoritatively (a cache miss is read with a GET). */
  async #job(q: RoundsQuery, round: number): Promise<V1Job | undefined | 'foreign'> {
    const name = roundJobName(q.name, q.digest, round);
    let found = this.#d.jobs.get(name, q.namespace);
    if (found === undefined) {
      try {
        found = await this.#calls.api('get', () => this.#d.batch.readNamespacedJob({ name, namespace: q.namespace }));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (found !== undefined && !ownedBy(found, q.uid)) return 'foreign';
    return found;
  }

  /** The records of the runs among `indices` that have one (read 16 at a time). */
  async #records(q: RoundsQuery, indices: readonly number[], into: Map<number, RunRecord>): Promise<void> {
    const total = runCount(q.exp.spec.sweep);
    const todo = indices.filter((i) => !into.has(i));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const i = todo[next++]!;
        const rec = await this.#calls.store('get', () => readRunRecord(q.store, q.layout, runIdOf(i, total)));
        if (rec !== undefined) into.set(i, rec);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, todo.length) }, worker));
  }

  async observe(q: RoundsQuery): Promise<RoundsObserved> {
    const settled = this.#known.get(q.key) ?? { values: new Map(), records: new Map() };
    setRecent(this.#known, q.key, settled, KNOWN_LIMIT);
    const column = roundsColumn(q.exp) as string;
    for (;;) {
      const plan = planRounds(q.exp, settled.values);
      const current = plan.rounds[plan.rounds.length - 1];
      const state: RoundsState = { round: Math.max(0, plan.rounds.length - 1), planned: plannedIndices(plan).length, openPoints: openPoints(q.exp, plan), ended: plan.ended !== undefined };
      const summary = (job: V1Job | undefined, pending: readonly number[]): RoundsObserved => {
        const succeeded = fromIndexes([...settled.records.keys()].filter((i) => plannedIndexSet(plan).has(i)));
        const failed = [...settled.values.entries()].filter(([i]) => !settled.records.has(i)).length;
        const observation = job === undefined ? undefined : { name: job.metadata?.name ?? '', suspended: job.spec?.suspend === true, active: job.status?.active ?? 0, finished: finishedOf(job) };
        return { plan, state, job: observation, jobObject: job, succeeded, failed, records: settled.records, pending };
      };
      if (plan.ended !== undefined || current === undefined) return summary(undefined, []);
      const job = await this.#job(q, current.round);
      if (job === 'foreign') return { ...summary(undefined, plan.pending), waitForGc: true };
      await this.#records(q, plan.pending, settled.records);
      const missing = plan.pending.filter((i) => !settled.records.has(i));
      // The round is settled when its Job has finished, or (its Job gone) when every run has its outputs.
      const roundOver = (job !== undefined && finishedOf(job) !== undefined) || (job === undefined && missing.length === 0);
      if (!roundOver) return summary(job, missing);
      const runs = plan.pending.filter((i) => settled.records.has(i)).map((i) => manifestRunOf(settled.records.get(i)!));
      const values = await this.#calls.store('get', () => observeRuns(q.store, q.layout, column, runs));
      for (const i of plan.pending) settled.values.set(i, values.get(i) ?? null);
      this.#d.log(`${q.namespace}/${q.name}: round ${current.round} settled: ${runs.length} of ${plan.pending.length} runs succeeded`);
    }
  }
}

function plannedIndexSet(plan: RoundsPlan): Set<number> {
  return new Set(plannedIndices(plan));
}
