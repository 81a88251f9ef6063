import { planRun, readRunForManifest, runCount, sweepSeeds, type Experiment, type ExperimentLayout, type ObjectStore, type StoredRun } from 'swarmlab';
import { difference, intersection, normalise, union, type Interval, type Intervals } from '../status/intervals.ts';
import { setRecent } from './recent.ts';
import type { StoreOpRunner } from './store-progress.ts';
import { MANIFEST_READ_CONCURRENCY } from './write-manifest.ts';

/** Runs checked at once, over every Experiment: as many as one manifest reads at once, so the checks never take more of the store than the step they replace. */
export const CHECK_CONCURRENCY = MANIFEST_READ_CONCURRENCY;
/** Experiments remembered, as StoreProgress: past this the least recently offered one's outcomes are dropped and its manifest reads every run. */
const KNOWN_LIMIT = 4096;

export interface CheckOffer {
  /** The Experiment (its uid). Only its newest key is kept. */
  readonly experiment: string;
  /** Its runs of one spec in one store, under one generation of its Jobs: StoreProgress's key. */
  readonly key: string;
  readonly exp: Experiment;
  readonly store: ObjectStore;
  readonly layout: ExperimentLayout;
  /** Runs that can be checked now: the store shows them succeeded and nothing of this generation writes them again. */
  readonly ready: Intervals;
}

/** The runs checked so far for a key, as the manifest takes them. */
export interface KeptRuns {
  get(index: number): StoredRun | undefined;
  readonly size: number;
}

const NONE_KEPT: KeptRuns = { get: () => undefined, size: 0 };

interface Checks {
  readonly key: string;
  readonly exp: Experiment;
  readonly seeds: number[];
  readonly store: ObjectStore;
  readonly layout: ExperimentLayout;
  /** Each checked run's StoredRun as JSON text: a third less heap than the parsed record (bench/kept-run-memory.ts). */
  readonly kept: Map<number, string>;
  /** Runs queued, being checked, or kept: never queued twice. */
  offered: Intervals;
  /** Offered and not yet started, in run order. */
  queue: Interval[];
  inFlight: number;
  whenIdle: (() => void)[];
}

/**
 * Each run's manifest check (readRunForManifest: its run.json, each file's
 * size and the store's SHA-256, its provenance file's hash), made soon after
 * its block's pod exits 0 rather than all at once when the sweep ends, and
 * kept per Experiment key, so that writing the manifest reads only the runs
 * not checked yet. The checks run beside the reconcile passes: a pass only
 * queues the runs it found ready and returns; at most CHECK_CONCURRENCY run
 * at once over all Experiments, taking turns between them. A check that
 * fails (the store down, or run.json gone) keeps nothing: the run is queued
 * again by the next pass that finds it ready, or read by the manifest.
 * Nothing survives a restart: the manifest then reads every run.
 */
export class CheckedRuns {
  readonly #byExperiment = new Map<string, Checks>();
  /** Experiments with queued runs, in turn order. */
  readonly #waiting = new Set<Checks>();
  readonly #op: StoreOpRunner;
  readonly #concurrency: number;
  #active = 0;
  #stopped = false;
  #whenStopped: (() => void)[] = [];

  constructor(op: StoreOpRunner, concurrency = CHECK_CONCURRENCY) {
    this.#op = op;
    this.#concurrency = concurrency;
  }

  /** Queues the ready runs not offered before and returns at once; a new key for the Experiment drops its earlier outcomes. */
  offer(o: CheckOffer): void {
    if (this.#stopped) return;
    let checks = this.#byExperiment.get(o.experiment);
    if (checks === undefined || checks.key !== o.key) {
      if (checks !== undefined) this.#waiting.delete(checks);
      checks = { key: o.key, exp: o.exp, seeds: sweepSeeds(o.exp.spec.sweep), store: o.store, layout: o.layout, kept: new Map(), offered: [], queue: [], inFlight: 0, whenIdle: [] };
    }
    const inMatrix = intersection(o.ready, [[0, runCount(o.exp.spec.sweep) - 1]]);
    const fresh = difference(inMatrix, checks.offered);
    if (fresh.length > 0) {
      checks.offered = union(checks.offered, fresh);
      checks.queue.push(...fresh);
      this.#waiting.add(checks);
    }
    setRecent(this.#byExperiment, o.experiment, checks, KNOWN_LIMIT);
    this.#pump();
  }

  /**
   * The outcomes kept for `key`, once its checks under way have ended. Its
   * queued runs are dropped (the caller reads them itself) and may be
   * offered again.
   */
  async settle(experiment: string, key: string): Promise<KeptRuns> {
    const checks = this.#byExperiment.get(experiment);
    if (checks === undefined || checks.key !== key) return NONE_KEPT;
    this.#unqueue(checks);
    if (checks.inFlight > 0) await new Promise<void>((resolve) => checks.whenIdle.push(resolve));
    const { kept } = checks;
    return { get: (index) => parseKept(kept.get(index)), size: kept.size };
  }

  /** Drops the Experiment's outcomes (its manifest is written). */
  forget(experiment: string, key: string): void {
    const checks = this.#byExperiment.get(experiment);
    if (checks === undefined || checks.key !== key) return;
    this.#unqueue(checks);
    this.#byExperiment.delete(experiment);
  }

  /** Starts no more checks and resolves when those under way have ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const checks of this.#waiting) this.#unqueue(checks);
    if (this.#active > 0) await new Promise<void>((resolve) => this.#whenStopped.push(resolve));
  }

  #unqueue(checks: Checks): void {
    checks.offered = difference(checks.offered, normalise(checks.queue));
    checks.queue = [];
    this.#waiting.delete(checks);
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.#concurrency) {
      const next = this.#take();
      if (next === undefined) return;
      const [checks, index] = next;
      this.#active++;
      checks.inFlight++;
      void this.#check(checks, index).finally(() => {
        this.#active--;
        if (--checks.inFlight === 0) for (const resolve of checks.whenIdle.splice(0)) resolve();
        if (this.#active === 0) for (const resolve of this.#whenStopped.splice(0)) resolve();
        this.#pump();
      });
    }
  }

  /** The next queued run, one Experiment after another. */
  #take(): [Checks, number] | undefined {
    const checks = this.#waiting.values().next().value;
    if (checks === undefined) return undefined;
    const first = checks.queue[0]!;
    const index = first[0];
    if (first[0] === first[1]) checks.queue.shift();
    else checks.queue[0] = [first[0] + 1, first[1]];
    this.#waiting.delete(checks);
    if (checks.queue.length > 0) this.#waiting.add(checks);
    return [checks, index];
  }

  async #check(checks: Checks, index: number): Promise<void> {
    try {
      const point = planRun(checks.exp, index, checks.seeds);
      const run = await this.#op('get', () => readRunForManifest(checks.store, checks.layout, point));
      if (run !== undefined) {
        checks.kept.set(index, JSON.stringify(run));
        return;
      }
    } catch {
      // Counted by the op runner; the run is left unchecked, as one whose run.json is gone.
    }
    checks.offered = difference(checks.offered, [[index, index]]);
  }
}

/** Kept text is this module's own JSON of a StoredRun, parsed already when it was read from the store. */
function parseKept(text: string | undefined): StoredRun | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as StoredRun);
}
