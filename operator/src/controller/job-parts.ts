import type { V1Job } from '@kubernetes/client-node';
import type { JobObservation } from '../status/decide.ts';
import { formatIntervals, normalise, parseIntervals, shift, type Interval, type Intervals } from '../status/intervals.ts';

// A sweep split over several Jobs is observed as one Job over global run
// indexes, so decide() stays the same whatever the split: a part's local
// indexes (JOB_COMPLETION_INDEX) are shifted by its offset.

export interface ObservedPart {
  job: V1Job;
  /** The global run index of the part's completion index 0. */
  offset: number;
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

/** Local interval text to global. */
function globalIndexes(text: string | undefined, offset: number): Interval[] {
  return [...shift(parseJobIndexes(text), offset)];
}

/**
 * All parts as one observation: active summed, indexes in global terms,
 * suspended only when every part is (someSuspended when any is), finished
 * only when every part is (Failed when any part failed).
 */
export function combineParts(parts: readonly ObservedPart[], generation: number): JobObservation {
  const names = parts.map((p) => p.job.metadata?.name ?? '');
  const finished = parts.map((p) => finishedOf(p.job));
  const failed = finished.find((f) => f?.type === 'Failed');
  const allFinished = finished.every((f) => f !== undefined);
  const completed = normalise(parts.flatMap((p) => globalIndexes(p.job.status?.completedIndexes, p.offset)));
  const failedIdx = normalise(parts.flatMap((p) => globalIndexes(p.job.status?.failedIndexes, p.offset)));
  const suspended = parts.map((p) => p.job.spec?.suspend === true);
  return {
    name: names.length === 1 ? names[0]! : `${names[0] ?? ''} .. ${names[names.length - 1] ?? ''} (${names.length} Jobs)`,
    generation,
    suspended: suspended.every(Boolean),
    someSuspended: suspended.some(Boolean),
    active: parts.reduce((n, p) => n + (p.job.status?.active ?? 0), 0),
    completedIndexes: parts.length === 1 && parts[0]!.offset === 0 ? parts[0]!.job.status?.completedIndexes : formatIntervals(completed),
    failedIndexes: parts.length === 1 && parts[0]!.offset === 0 ? parts[0]!.job.status?.failedIndexes : formatIntervals(failedIdx),
    finished: !allFinished ? undefined : (failed ?? finished[0]),
  };
}
