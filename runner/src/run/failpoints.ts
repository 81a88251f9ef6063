import { SwarmlabError } from '../errors.ts';
import type { ObjectStore } from '../store/store.ts';

// Failpoints (in the spirit of etcd's gofail): named faults that tests switch
// on from outside a process to prove that the checks downstream of them work
// end to end, e.g. that a runner pod whose staged bytes changed between
// staging and promotion fails with INVALID_OUTPUT and promotes nothing.
// Only `run-index` reads them, and only from SWARMLAB_FAILPOINT: with the
// variable unset nothing here is ever called.

export const FAILPOINT_ENV = 'SWARMLAB_FAILPOINT';

/** Runs after a run's files were staged and before they are validated and promoted. */
export type AfterStageHook = (store: ObjectStore, stagingPrefix: string) => Promise<void>;

/** Appended to the staged event log: valid JSON so only the hash check can catch it. */
const TAMPER_LINE = '{"t":0,"type":"tampered-by-failpoint"}\n';
const TAMPER_TARGET = 'events.jsonl';

/**
 * `tamper-staged` (every run) or `tamper-staged:<global run index>`: after
 * staging, one staged file's bytes are changed in the store (events.jsonl if
 * the run has one, else the first staged file), so its sha256 no longer
 * matches staged.json.
 */
export function afterStageFailpoint(value: string | undefined, index: number): AfterStageHook | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^tamper-staged(?::(\d+))?$/.exec(value);
  if (m === null) throw new SwarmlabError('USAGE', `unknown failpoint ${JSON.stringify(value)} in ${FAILPOINT_ENV}; known: tamper-staged, tamper-staged:<index>`);
  if (m[1] !== undefined && Number(m[1]) !== index) return undefined;
  return async (store, prefix) => {
    const listed = await store.get(`${prefix}/staged.json`);
    const names = listed === undefined ? [] : (JSON.parse(listed.toString('utf8')) as { name: string }[]).map((e) => e.name);
    const target = names.includes(TAMPER_TARGET) ? TAMPER_TARGET : names[0];
    if (target === undefined) return;
    const bytes = (await store.get(`${prefix}/${target}`)) ?? Buffer.alloc(0);
    await store.put(`${prefix}/${target}`, Buffer.concat([bytes, Buffer.from(TAMPER_LINE)]));
  };
}
