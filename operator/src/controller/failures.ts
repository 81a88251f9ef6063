import type { V1Pod } from '@kubernetes/client-node';
import { ErrorCodes } from 'swarmlab';
import type { RunFailure } from '../status/decide.ts';
import { CONTAINER } from '../jobs/build-job.ts';

const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';

/**
 * Why the runner failed, from a termination message (the last log lines with
 * FallbackToLogsOnError): the CLI ends with `swarmlab: CODE: where: message`.
 */
export function parseRunnerError(text: string): { code: string | undefined; message: string } {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^swarmlab: ([A-Z_]+): (.*)$/.exec(lines[i]!);
    if (m !== null && m[1]! in ErrorCodes) return { code: m[1], message: m[2]!.slice(0, 300) };
  }
  const last = lines[lines.length - 1] ?? 'no message';
  return { code: undefined, message: last.slice(0, 300) };
}

/** One failure per index (the most recent pod), from failed pods of a Job. */
export function failuresFromPods(pods: readonly V1Pod[]): RunFailure[] {
  const byIndex = new Map<number, { at: number; failure: RunFailure }>();
  for (const pod of pods) {
    const idx = Number(pod.metadata?.labels?.[INDEX_LABEL] ?? pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']);
    if (!Number.isInteger(idx)) continue;
    const st = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
    const term = st?.state?.terminated ?? st?.lastState?.terminated;
    const text = term?.message ?? pod.status?.message ?? term?.reason ?? pod.status?.reason ?? '';
    const { code, message } = parseRunnerError(text);
    const exit = term?.exitCode;
    const at = new Date((term?.finishedAt as unknown as string | undefined) ?? pod.metadata?.creationTimestamp ?? 0).getTime();
    const failure: RunFailure = { index: idx, code, message: exit !== undefined && code === undefined ? `exit ${exit}: ${message}` : message };
    const prev = byIndex.get(idx);
    if (prev === undefined || at >= prev.at) byIndex.set(idx, { at, failure });
  }
  return [...byIndex.values()].map((v) => v.failure).sort((a, b) => a.index - b.index);
}
