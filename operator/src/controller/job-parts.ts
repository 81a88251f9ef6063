import type { V1Job } from '@kubernetes/client-node';
import { indexesToRuns, type JobPart } from '../jobs/layout.ts';
import type { JobObservation } from '../status/decide.ts';
import { formatIntervals, normalise, parseIntervals, type Interval, type Intervals } from '../status/intervals.ts';

// A sweep split over several Jobs, each completion index running a block of
// runs, is observed as one Job over global run indexes, so decide() stays the
// same whatever the split and the block size: a part's completion indexes
// (JOB_COMPLETION_INDEX) become the runs of their blocks.

export interface ObservedPart {
  job: V1Job;
  /** The part of the run matrix the Job runs (its offset, size and block size). */
  part: Pick<JobPart, 'offset' | 'size' | 'runsPerPod'>;
}


function finishedOf(job: V1Job): JobObservation['finished'] {
  const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return done === undefined ? undefined : { type: done.type as 'Complete' | 'Failed', reason: done.reason ?? '', message: done.message ?? '' };
}

/** Index text from Job status; text Kubernetes wrote is trusted to parse, anything else counts as empty. */
export function parseJobIndexes(text: string | undefined): Intervals {
  try {
    return parseIntervals(text);
  } catch {
    return [];
  }
}

/** Completion index text to the global runs of those indexes' blocks. */
function globalRuns(text: string | undefined, part: ObservedPart['part']): Interval[] {
  return indexesToRuns(part, parseJobIndexes(text));
}

/**
 * All parts as one observation: indexes as the global runs of their blocks,
 * active as the runs held by running pods (pods x block size, summed),
 * suspended only when every part is (someSuspended when any is), finished
 * only when every part is (Failed when any part failed).
 */
export function combineParts(parts: readonly ObservedPart[], generation: number): JobObservation {
  const names = parts.map((p) => p.job.metadata?.name ?? '');
  const finished = parts.map((p) => finishedOf(p.job));
  const failed = finished.find((f) => f?.type === 'Failed');
  const allFinished = finished.every((f) => f !== undefined);
  const completed = normalise(parts.flatMap((p) => globalRuns(p.job.status?.completedIndexes, p.part)));
  const failedIdx = normalise(parts.flatMap((p) => globalRuns(p.job.status?.failedIndexes, p.part)));
  // A lone Job of one run a pod from run 0: its own text, as Kubernetes wrote it.
  const asWritten = parts.length === 1 && parts[0]!.part.offset === 0 && parts[0]!.part.runsPerPod === 1;
  const suspended = parts.map((p) => p.job.spec?.suspend === true);
  return {
    name: names.length === 1 ? names[0]! : `${names[0] ?? ''} .. ${names[names.length - 1] ?? ''} (${names.length} Jobs)`,
    generation,
    suspended: suspended.every(Boolean),
    someSuspended: suspended.some(Boolean),
    active: parts.reduce((n, p) => n + (p.job.status?.active ?? 0) * p.part.runsPerPod, 0),
    completedIndexes: asWritten ? parts[0]!.job.status?.completedIndexes : formatIntervals(completed),
    failedIndexes: asWritten ? parts[0]!.job.status?.failedIndexes : formatIntervals(failedIdx),
    finished: !allFinished ? undefined : (failed ?? finished[0]),
  };
}
