import type { V1Job } from '@kubernetes/client-node';
import { blockOf, MAX_RUNS_PER_POD, type Experiment } from 'swarmlab';
import { ANNOTATIONS } from './names.ts';
import type { Interval, Intervals } from '../status/intervals.ts';

// How a sweep's runs map onto Jobs, completion indexes and pods: each
// completion index runs a contiguous block of `runsPerPod` runs, and a sweep
// with more blocks than one Indexed Job may hold is split into several Jobs
// of consecutive blocks. Pure: the Job builder, the reconciler and the tests
// share it.

/** Kubernetes rejects Indexed Jobs with backoffLimitPerIndex and more completions than this. */
export const MAX_INDEXED_COMPLETIONS = 100_000;
/** Jobs one Experiment may be split into. */
export const MAX_JOBS_PER_EXPERIMENT = 100;
/**
 * The default block size gives each pod slot (spec parallelism) at least this
 * many pods: the last pods to finish hold at most a quarter of a slot's work,
 * so the sweep's tail stays short whatever the runs cost.
 */
export const DEFAULT_PODS_PER_SLOT = 4;
/**
 * The default block size's cap. A pod that dies loses only its runs in
 * flight (each run is promoted as it finishes), so this bounds the tail and
 * one pod's share of the sweep, not lost work; it also keeps a sweep of
 * 10,000,000 runs to 10,000 pods, one Job.
 */
export const DEFAULT_MAX_RUNS_PER_POD = 1_000;

/**
 * The block size for a new Job generation: spec.execution.runsPerPod, or
 * total / (parallelism x DEFAULT_PODS_PER_SLOT) rounded down, between 1 and
 * DEFAULT_MAX_RUNS_PER_POD. Small sweeps keep one run per pod. It may depend
 * on parallelism, which can change while the sweep runs, because the block
 * size a Job was made with is read back from the Job (blockSizeOf), never
 * recomputed for it.
 */
export function runsPerPodFor(exp: Experiment, total: number, defaultParallelism: number): number {
  const given = exp.spec.execution.runsPerPod;
  if (given !== undefined) return Math.min(given, MAX_RUNS_PER_POD);
  const slots = exp.spec.execution.parallelism ?? defaultParallelism;
  return Math.max(1, Math.min(DEFAULT_MAX_RUNS_PER_POD, Math.floor(total / (slots * DEFAULT_PODS_PER_SLOT))));
}

/** The block size a Job was made with: its annotation (buildJob writes it), or one run a pod (Jobs made before blocks existed have none). */
export function runsPerPodOf(job: V1Job): number {
  const n = Number(job.metadata?.annotations?.[ANNOTATIONS.runsPerPod]);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** One Job's share of the run matrix. */
export interface JobPart {
  part: number;
  /** How many Jobs the sweep is split into (1: the Job keeps the unsplit name and arguments). */
  parts: number;
  /** The global run index of the part's first run. */
  offset: number;
  /** Runs in the part: offset .. offset+size-1. */
  size: number;
  /** Runs per completion index; the last index of the sweep may hold fewer. */
  runsPerPod: number;
  /** The Job's completions: ceil(size / runsPerPod). */
  indexes: number;
}

/**
 * Contiguous, deterministic parts covering runs 0..total-1: each of at most
 * `maxIndexesPerJob` blocks of `runsPerPod` runs. A part's size is a whole
 * number of blocks (all but the last part), so no block spans two Jobs.
 */
export function jobParts(total: number, maxIndexesPerJob: number, runsPerPod = 1): JobPart[] {
  const block = Math.max(1, runsPerPod);
  const perJob = Math.max(1, Math.min(maxIndexesPerJob, MAX_INDEXED_COMPLETIONS)) * block;
  const parts = Math.max(1, Math.ceil(total / perJob));
  return Array.from({ length: parts }, (_, part) => {
    const size = Math.max(0, Math.min(perJob, total - part * perJob));
    return { part, parts, offset: part * perJob, size, runsPerPod: block, indexes: Math.ceil(size / block) };
  });
}

/** The global runs a completion index of the part runs: the runner's own formula (run-index runs exactly these), empty past the part's end. */
export function blockRuns(part: Pick<JobPart, 'offset' | 'size' | 'runsPerPod'>, index: number): Interval {
  const block = blockOf(index, part.offset, part.runsPerPod, part.offset + part.size);
  return block === undefined ? [part.offset + part.size, part.offset + part.size - 1] : [block.first, block.last];
}

/** Completion index intervals of a part as the global run intervals they hold. */
export function indexesToRuns(part: Pick<JobPart, 'offset' | 'size' | 'runsPerPod'>, indexes: Intervals): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of indexes) {
    const first = blockRuns(part, s);
    const last = blockRuns(part, e);
    if (first[0] <= last[1]) out.push([first[0], last[1]]);
  }
  return out;
}
