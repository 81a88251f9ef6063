import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import { ErrorCodes, codeForExitStatus, failureFromRecord, parseFailureRecord, type RunFailure } from 'swarmlab';
import { CONTAINER } from '../jobs/build-job.ts';
import { blockRuns, type JobPart } from '../jobs/layout.ts';
import type { Interval } from '../status/intervals.ts';

const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
const MESSAGE_MAX = 300;

/** One failed pod: the failure that stopped it, at the run its record names (else the block's first run), and the block of runs it held. */
export interface PodFailure extends RunFailure {
  /** The global runs of the pod's completion index: those without outputs stopped with this failure, unless they have a record of their own. */
  block: Interval;
}

/** Where a Job's completion indexes start in the run matrix, and how many runs each holds. */
export type PartBlocks = Pick<JobPart, 'offset' | 'size' | 'runsPerPod'>;

/**
 * Why one pod failed. The runner writes a JSON failure record to its
 * termination message (for a block of runs, the failure that decided its exit
 * status); a pod without one (killed, out of memory, or failed before its
 * runs were identified) is described from the container's terminated state:
 * OOMKilled is OUT_OF_MEMORY, an exit status that only one code has is that
 * code, anything else RUN_FAILED. Log text (FallbackToLogsOnError) is shown,
 * never parsed for a code.
 */
export function failureFromPod(block: Interval, pod: V1Pod): PodFailure {
  const index = block[0];
  const st = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
  const term: V1ContainerStateTerminated | undefined = st?.state?.terminated ?? st?.lastState?.terminated;
  const record = term?.message !== undefined ? parseFailureRecord(term.message.trim()) : undefined;
  if (record !== undefined) {
    const f = failureFromRecord(record);
    const inBlock = f.index >= block[0] && f.index <= block[1];
    return { ...f, index: inBlock ? f.index : index, message: f.message.slice(0, MESSAGE_MAX), block };
  }
  if (term?.reason === 'OOMKilled') {
    return { index, code: 'OUT_OF_MEMORY', message: `killed for exceeding its memory limit (exit ${term.exitCode}); ${ErrorCodes.OUT_OF_MEMORY.summary}: raise spec.execution.resources.limits.memory`, path: 'spec.execution.resources.limits.memory', block };
  }
  const byExit = term !== undefined ? codeForExitStatus(term.exitCode) : undefined;
  const code = byExit !== undefined && byExit !== 'OUT_OF_MEMORY' ? byExit : 'RUN_FAILED';
  const lastLine = (term?.message ?? pod.status?.message ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
  const what = term !== undefined ? `exit ${term.exitCode}${term.reason !== undefined ? ` (${term.reason})` : ''}` : (pod.status?.reason ?? 'the pod failed');
  return { index, code, message: `${what}${lastLine !== undefined ? `: ${lastLine}` : ''}`.slice(0, MESSAGE_MAX), block };
}

const ONE_RUN_A_POD: PartBlocks = { offset: 0, size: Number.MAX_SAFE_INTEGER, runsPerPod: 1 };

/** One failure per completion index (the most recent pod), from failed pods of a Job, in global run indexes; sorted by block. */
export function failuresFromPods(pods: readonly V1Pod[], part: PartBlocks = ONE_RUN_A_POD): PodFailure[] {
  const byIndex = new Map<number, { at: number; failure: PodFailure }>();
  for (const pod of pods) {
    const idx = Number(pod.metadata?.labels?.[INDEX_LABEL] ?? pod.metadata?.annotations?.[INDEX_LABEL]);
    if (!Number.isInteger(idx)) continue;
    const st = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
    const term = st?.state?.terminated ?? st?.lastState?.terminated;
    const at = new Date((term?.finishedAt as unknown as string | undefined) ?? pod.metadata?.creationTimestamp ?? 0).getTime();
    const prev = byIndex.get(idx);
    if (prev === undefined || at >= prev.at) byIndex.set(idx, { at, failure: failureFromPod(blockRuns(part, idx), pod) });
  }
  return [...byIndex.values()].map((v) => v.failure).sort((a, b) => a.block[0] - b.block[0]);
}
