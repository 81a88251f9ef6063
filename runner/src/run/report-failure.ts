import { writeFileSync } from 'node:fs';
import { failureFromRecord, formatFailureRecord, parseFailureRecord, type RunFailure } from '../outputs/failure-record.ts';
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

/** Reads at most this many records at once. */
const READ_CONCURRENCY = 16;

/**
 * Every failure record of an experiment (one listing, then a read per
 * record), by run index; malformed ones are skipped. A record says why a run's
 * last attempt failed: it counts only for runs without run.json.
 */
export async function readFailureRecords(store: ObjectStore, layout: ExperimentLayout): Promise<Map<number, RunFailure>> {
  const prefix = `${layout.root}/failures/`;
  const keys = (await store.list(prefix)).filter((k) => k.endsWith('.json'));
  const out = new Map<number, RunFailure>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const bytes = await store.get(key);
      const record = bytes === undefined ? undefined : parseFailureRecord(bytes.toString('utf8').trim());
      // A record counts only under its own run's key.
      if (record !== undefined && layout.failure(record.run_id) === key) out.set(record.index, failureFromRecord(record));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, keys.length) }, worker));
  return out;
}
