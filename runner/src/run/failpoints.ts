import { writeFileSync } from 'node:fs';
import { SwarmlabError } from '../errors.ts';
import type { RunFiles } from '../outputs/run-files.ts';

// Failpoints (in the spirit of etcd's gofail): named faults that tests switch
// on from outside a process to prove that the checks downstream of them work
// end to end, e.g. that a runner pod whose outputs are invalid fails with
// INVALID_OUTPUT and writes nothing final. `run-index` and the local pool's
// worker processes read them, only from SWARMLAB_FAILPOINT: with the
// variable unset nothing is injected.

export const FAILPOINT_ENV = 'SWARMLAB_FAILPOINT';

/** Runs on a run's files after execution and before validation; returns the files to validate. */
export type OutputHook = (files: RunFiles) => RunFiles;

/** Appended to the event log: valid JSON, but not an event line, so only the schema check can catch it. */
const CORRUPT_LINE = '{"t":0,"type":"corrupted-by-failpoint"}\n';
const CORRUPT_TARGET = 'events.jsonl';

/**
 * `corrupt-output` (every run) or `corrupt-output:<global run index>`: after
 * execution, one line that breaks the event schema is appended to the run's
 * events.jsonl, as a module or serialisation bug would.
 */
export function beforeValidateFailpoint(value: string | undefined, index: number): OutputHook | undefined {
  if (value === undefined || value === '' || value.startsWith('crash-worker')) return undefined;
  const m = /^corrupt-output(?::(\d+))?$/.exec(value);
  if (m === null) throw new SwarmlabError('USAGE', `unknown failpoint ${JSON.stringify(value)} in ${FAILPOINT_ENV}; known: corrupt-output, corrupt-output:<index>, crash-worker:<index>`);
  if (m[1] !== undefined && Number(m[1]) !== index) return undefined;
  return (files) => {
    const out = files.detached();
    out.set(CORRUPT_TARGET, (files.get(CORRUPT_TARGET) ?? '') + CORRUPT_LINE);
    return out;
  };
}

/**
 * `crash-worker:<global run index>`: the local pool's worker process that
 * receives that run exits at once, once per sweep attempt (the retry, in a
 * replacement worker, runs normally when SWARMLAB_FAILPOINT_ONCE names a file
 * that the first crash creates).
 */
export function crashWorkerFailpoint(value: string | undefined, index: number): boolean {
  const m = value === undefined ? null : /^crash-worker:(\d+)$/.exec(value);
  if (m === null || Number(m[1]) !== index) return false;
  const once = process.env.SWARMLAB_FAILPOINT_ONCE;
  if (once === undefined) return true;
  try {
    writeFileSync(once, '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}
