import { writeFileSync } from 'node:fs';
import { formatFailureRecord, type RunFailure } from '../outputs/failure-record.ts';
import type { ExperimentLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

// Where a failed run's record goes: the store (read by whoever assembles the
// manifest) and, in a pod, the container's termination message (read by the
// operator from the pod's status).

/**
 * Writes failures/<run-id>.json. Best effort: the failure may be the store
 * itself, and the error being reported matters more than this write's.
 */
export async function storeFailureRecord(store: ObjectStore, layout: ExperimentLayout, runId: string, failure: RunFailure): Promise<void> {
  try {
    await store.put(layout.failure(runId), `${formatFailureRecord(runId, failure)}\n`);
  } catch {
    /* reported through the exit status and the termination message instead */
  }
}

/** Writes the record to the file the kubelet reads as the termination message (terminationMessagePath). */
export function writeTerminationMessage(file: string, runId: string, failure: RunFailure): void {
  try {
    writeFileSync(file, formatFailureRecord(runId, failure));
  } catch {
    /* FallbackToLogsOnError still gives the operator the log's last lines */
  }
}
