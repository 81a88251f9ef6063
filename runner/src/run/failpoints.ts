import { writeFileSync } from 'node:fs';
import { SwarmlabError } from '../errors.ts';
import type { RunFiles } from '../outputs/run-files.ts';
import { TRACE_FILE_NAMES } from '../outputs/trace-files.ts';
import type { ObjectStore } from '../store/store.ts';

// Failpoints (in the spirit of etcd's gofail): named faults that tests switch
// on from outside a process to prove that the checks downstream of them work
// end to end, e.g. that a runner pod whose outputs are invalid fails with
// INVALID_OUTPUT and writes nothing final. `run-index` and the local pool's
// worker processes read them, only from SWARMLAB_FAILPOINT: with the
// variable unset nothing is injected.

export const FAILPOINT_ENV = 'SWARMLAB_FAILPOINT';

/** Runs on a run's files after execution and before validation; returns the files to validate. */
export type OutputHook = (files: RunFiles) => RunFiles;

/** Appended to a text event log: valid JSON, but not an event line, so only the schema check can catch it. */
const CORRUPT_LINE = '{"t":0,"type":"corrupted-by-failpoint"}\n';
/** Appended to a Parquet event log: the file no longer ends with its footer. */
const CORRUPT_TAIL = 'corrupted-by-failpoint';

/** A failpoint as set in SWARMLAB_FAILPOINT: what to inject, and for which global run index (every run when unset). */
export interface Failpoint {
  readonly kind: 'corrupt-output' | 'crash-worker' | 'store-error';
  readonly index?: number;
}

/** Reads SWARMLAB_FAILPOINT's value once; an unknown one is a usage error, so a typo never silently injects nothing. */
export function parseFailpoint(value: string | undefined): Failpoint | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(corrupt-output|crash-worker|store-error)(?::(\d+))?$/.exec(value);
  if (m === null) throw new SwarmlabError('USAGE', `unknown failpoint ${JSON.stringify(value)} in ${FAILPOINT_ENV}; known: corrupt-output, crash-worker, store-error, each optionally :<index>`);
  const kind = m[1] as Failpoint['kind'];
  return m[2] === undefined ? { kind } : { kind, index: Number(m[2]) };
}

function armed(fp: Failpoint | undefined, kind: Failpoint['kind'], index: number): boolean {
  return fp?.kind === kind && (fp.index === undefined || fp.index === index);
}

/**
 * `corrupt-output[:<index>]`: after execution, the run's event log is broken
 * as a module or serialisation bug would break it: a line that breaks the
 * event schema appended to events.jsonl, bytes after the footer of
 * events.parquet (a trace level without an event log gets a stray
 * events.jsonl).
 */
export function beforeValidateFailpoint(fp: Failpoint | undefined, index: number): OutputHook | undefined {
  if (!armed(fp, 'corrupt-output', index)) return undefined;
  return (files) => {
    const out = files.detached();
    const parquet = TRACE_FILE_NAMES.parquet.events;
    const parquetLog = files.bytes(parquet);
    if (parquetLog !== undefined) out.set(parquet, Buffer.concat([parquetLog, Buffer.from(CORRUPT_TAIL)]));
    else out.set(TRACE_FILE_NAMES.text.events, (files.get(TRACE_FILE_NAMES.text.events) ?? '') + CORRUPT_LINE);
    return out;
  };
}

/**
 * `crash-worker[:<index>]`: the local pool's worker process that receives
 * that run exits at once (the retry, in a replacement worker, runs normally
 * when SWARMLAB_FAILPOINT_ONCE names a file that the first crash creates).
 */
export function crashWorkerFailpoint(fp: Failpoint | undefined, index: number): boolean {
  return armed(fp, 'crash-worker', index) && firstTime();
}

/**
 * `store-error[:<index>]`: the run's writes to the store fail with
 * STORE_ERROR, as during a store outage (only the first time when
 * SWARMLAB_FAILPOINT_ONCE names a file that the first failure creates).
 */
export function storeFailpoint(fp: Failpoint | undefined, index: number, store: ObjectStore): ObjectStore {
  if (!armed(fp, 'store-error', index) || !firstTime()) return store;
  const outage = async (): Promise<never> => {
    throw new SwarmlabError('STORE_ERROR', 'injected store outage (failpoint store-error)', { file: store.uri });
  };
  return {
    uri: store.uri,
    putIfAbsent: outage,
    put: outage,
    get: (key) => store.get(key),
    getRange: (key, start, end) => store.getRange(key, start, end),
    stat: (key) => store.stat(key),
    list: (prefix) => store.list(prefix),
    check: (prefix) => store.check(prefix),
    uriFor: (key) => store.uriFor(key),
  };
}

/** True unless SWARMLAB_FAILPOINT_ONCE names a file that exists (the first caller creates it). */
function firstTime(): boolean {
  const once = process.env.SWARMLAB_FAILPOINT_ONCE;
  if (once === undefined) return true;
  try {
    writeFileSync(once, '', { flag: 'wx' });
    return true;
  } catch (e) {
    // Only "it exists" disarms the failpoint: a path this process cannot write must not silently turn a fault test into a pass.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}
