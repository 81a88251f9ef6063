import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import { ErrorCodes, codeForExitStatus, failureFromRecord, parseFailureRecord, type RunFailure } from 'swarmlab';
import { CONTAINER } from '../jobs/build-job.ts';

const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
const MESSAGE_MAX = 300;

/**
 * Why one pod's run failed. The runner writes a JSON failure record to its
 * termination message; a pod without one (killed, out of memory, or failed
 * before its run was identified) is described from the container's
 * terminated state: OOMKilled is OUT_OF_MEMORY, an exit status that only one
 * code has is that code, anything else RUN_FAILED. Log text
 * (FallbackToLogsOnError) is shown, never parsed for a code.
 */
export function failureFromPod(index: number, pod: V1Pod): RunFailure {
  const st = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
  const term: V1ContainerStateTerminated | undefined = st?.state?.terminated ?? st?.lastState?.terminated;
  const record = term?.message !== undefined ? parseFailureRecord(term.message.trim()) : undefined;
  if (record !== undefined) {
    const f = failureFromRecord(record);
    return { ...f, index, message: f.message.slice(0, MESSAGE_MAX) };
  }
  if (term?.reason === 'OOMKilled') {
    return { index, code: 'OUT_OF_MEMORY', message: `killed for exceeding its memory limit (exit ${term.exitCode}); ${ErrorCodes.OUT_OF_MEMORY.summary}: raise spec.execution.resources.limits.memory`, path: 'spec.execution.resources.limits.memory' };
  }
  const byExit = term !== undefined ? codeForExitStatus(term.exitCode) : undefined;
  const code = byExit !== undefined && byExit !== 'OUT_OF_MEMORY' ? byExit : 'RUN_FAILED';
  const lastLine = (term?.message ?? pod.status?.message ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
  const what = term !== undefined ? `exit ${term.exitCode}${term.reason !== undefined ? ` (${term.reason})` : ''}` : (pod.status?.reason ?? 'the pod failed');
  return { index, code, message: `${what}${lastLine !== undefined ? `: ${lastLine}` : ''}`.slice(0, MESSAGE_MAX) };
}

/** One failure per index (the most recent pod), from failed pods of a Job. */
export function failuresFromPods(pods: readonly V1Pod[]): RunFailure[] {
  const byIndex = new Map<number, { at: number; failure: RunFailure }>();
  for (const pod of pods) {
    const idx = Number(pod.metadata?.labels?.[INDEX_LABEL] ?? pod.metadata?.annotations?.[INDEX_LABEL]);
    if (!Number.isInteger(idx)) continue;
    const st = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
    const term = st?.state?.terminated ?? st?.lastState?.terminated;
    const at = new Date((term?.finishedAt as unknown as string | undefined) ?? pod.metadata?.creationTimestamp ?? 0).getTime();
    const prev = byIndex.get(idx);
    if (prev === undefined || at >= prev.at) byIndex.set(idx, { at, failure: failureFromPod(idx, pod) });
  }
  return [...byIndex.values()].map((v) => v.failure).sort((a, b) => a.index - b.index);
}
