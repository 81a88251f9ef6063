import { isSwarmlabError } from '../errors.ts';
import { FailureRecord, SCHEMA_VERSION } from './schemas.ts';

// Why a run failed, as one small JSON object: what the runner writes to the
// store (NAME/D16/failures/<run-id>.json) and to its container's termination
// message, and what the operator reads back instead of log text. Kept apart
// from runs/<run-id>/, where run.json means success: a later success wins
// because readers look at run.json first.

/** Kubernetes keeps at most this many bytes of a termination message (the tail, which would break the JSON). */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

/** Why a run failed: the one shape the local executor, the manifest and the operator use. */
export type RunFailure = Omit<FailureRecord, 'schema_version' | 'run_id'>;

/** The failure an error stands for; anything that is not a SwarmlabError is RUN_FAILED. */
export function failureOf(e: unknown, index: number, attempt?: string): RunFailure {
  const base = isSwarmlabError(e)
    ? { index, code: e.code, message: e.detail(), ...(e.path !== undefined ? { path: e.path } : {}) }
    : { index, code: 'RUN_FAILED', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  return attempt === undefined ? base : { ...base, attempt };
}

/**
 * The record as JSON of at most TERMINATION_MESSAGE_MAX_BYTES (the message is
 * shortened if needed), so the same bytes serve the store and the pod.
 */
export function formatFailureRecord(runId: string, f: RunFailure): string {
  let message = f.message;
  for (;;) {
    const record: FailureRecord = FailureRecord.parse({ schema_version: SCHEMA_VERSION, run_id: runId, ...f, message });
    const text = JSON.stringify(record);
    const over = Buffer.byteLength(text) - TERMINATION_MESSAGE_MAX_BYTES;
    if (over <= 0) return text;
    // Escapes can take up to 6 bytes a character: cut by at least the excess.
    if (message.length <= 1) return text;
    message = `${message.slice(0, Math.max(0, message.length - over - 1))}…`;
  }
}

/** A failure record from JSON text, or undefined when the text is not one (e.g. log lines). */
export function parseFailureRecord(text: string): FailureRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = FailureRecord.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The record's failure, without the fields that identify the file. */
export function failureFromRecord(r: FailureRecord): RunFailure {
  const { schema_version: _v, run_id: _r, ...failure } = r;
  return failure;
}
