import { type ObjectStore, type ExperimentLayout, runIdOf, runIndexOf } from 'swarmlab';
import type { StorageOp } from '../http/metrics.ts';
import { count, difference, fromIndexes, union, type Intervals } from '../status/intervals.ts';
import { setRecent } from './recent.ts';

/** Every listing is redone after this long, so that outputs removed behind the operator's back stop being counted. */
export const FULL_LIST_EVERY_MS = 10 * 60_000;
/** Above this many runs to confirm, one listing is cheaper: it returns 1,000 keys a request, at least four a run. */
export const MAX_CONFIRM_READS = 150;
const READ_CONCURRENCY = 16;
/** Experiments remembered; past this the least recently observed is listed afresh when it comes back. */
const KNOWN_LIMIT = 4096;

export interface StoreProgressQuery {
  /** Identifies one Experiment's runs of one spec in one store, under one generation of its Jobs. */
  readonly key: string;
  readonly store: ObjectStore;
  readonly layout: ExperimentLayout;
  readonly total: number;
  /** Run indexes the Jobs report completed (their pods exited 0). */
  readonly completed: Intervals;
  /** Every Job of the Experiment has finished. */
  readonly finished: boolean;
  readonly now: number;
}

/** Wraps each store request (metrics); the request's error is passed through. */
export type StoreOpRunner = <T>(op: StorageOp, fn: () => Promise<T>) => Promise<T>;

interface Known {
  succeeded: Intervals;
  listedAt: number;
  listedFinished: boolean;
}

/**
 * Which runs have succeeded, by the store (docs/adr/0001: a run with a
 * run.json succeeded). Listing the runs/ prefix costs one request per 1,000
 * keys, at least four a run, and the operator observes an Experiment on
 * every change of its Jobs. So an Experiment is listed once (again when its
 * Jobs finish, and every FULL_LIST_EVERY_MS), and in between only the
 * run.json of runs the Jobs report completed and the store has not yet
 * shown is read: one small request each. A run whose pod failed after its
 * outputs were written is found by the listing when the Jobs finish.
 */
export class StoreProgress {
  readonly #known = new Map<string, Known>();
  readonly #op: StoreOpRunner;

  constructor(op: StoreOpRunner) {
    this.#op = op;
  }

  async succeeded(q: StoreProgressQuery): Promise<Intervals> {
    const known = this.#known.get(q.key);
    if (known !== undefined && q.now - known.listedAt < FULL_LIST_EVERY_MS && (known.listedFinished || !q.finished)) {
      const unconfirmed = difference(q.completed, known.succeeded);
      if (count(unconfirmed) <= MAX_CONFIRM_READS) {
        known.succeeded = union(known.succeeded, await this.#confirm(q, unconfirmed));
        setRecent(this.#known, q.key, known, KNOWN_LIMIT);
        return known.succeeded;
      }
    }
    const succeeded = await this.#list(q);
    setRecent(this.#known, q.key, { succeeded, listedAt: q.now, listedFinished: q.finished }, KNOWN_LIMIT);
    return succeeded;
  }

  async #list(q: StoreProgressQuery): Promise<Intervals> {
    const keys = await this.#op('list', () => q.store.list(q.layout.runsPrefix));
    const indexes: number[] = [];
    for (const k of keys) {
      const index = runIndexOf(q.layout.runIdOfRecord(k));
      if (index !== undefined) indexes.push(index);
    }
    return fromIndexes(indexes);
  }

  /** The indexes among `candidates` whose run.json exists. */
  async #confirm(q: StoreProgressQuery, candidates: Intervals): Promise<Intervals> {
    const pending: number[] = [];
    for (const [s, e] of candidates) for (let i = s; i <= e; i++) pending.push(i);
    const found: number[] = [];
    const worker = async (): Promise<void> => {
      for (let i = pending.pop(); i !== undefined; i = pending.pop()) {
        const runId = runIdOf(i, q.total);
        const record = await this.#op('get', () => q.store.get(q.layout.runRecord(runId)));
        if (record !== undefined) found.push(i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, worker));
    return fromIndexes(found);
  }
}
