import { availableParallelism } from 'node:os';

// How many worker processes `swarmlab run` forks. Workers are forked in two
// steps: some before the experiment is read (they load the runner meanwhile),
// the rest once the number of runs is known.

/** Workers worth forking before the run count is known: what was asked, never more than the cores. */
export function prestartWorkers(requested: number | undefined, cores = availableParallelism()): number {
  return Math.min(requested ?? cores, cores);
}

/** Workers for a sweep of `runs` runs: what was asked, never more than the runs; a warning when that is more than the cores. */
export function sweepWorkers(wanted: number, runs: number, cores = availableParallelism()): { workers: number; warning?: string } {
  const workers = Math.max(1, Math.min(wanted, runs));
  if (workers <= cores) return { workers };
  return { workers, warning: `${workers} worker processes on ${cores} cores: the extra ones only add memory and switching (${cores} would be as fast)` };
}
