import type { ObjectStore } from '../store/store.ts';

export interface ResultSets {
  /** Result-set folders (store keys, '' for the store's root) holding a manifest.json, sorted. */
  readonly complete: readonly string[];
  /** Result-set folders holding runs but no manifest.json: a sweep that has not finished (or was stopped). */
  readonly incomplete: readonly string[];
}

const DIGEST16 = /^[0-9a-f]{16}$/;
const SET_ENTRIES = new Set(['manifest.json', 'runs', 'provenance']);

/**
 * The result sets at or below a store's root: the root itself when it holds
 * a manifest.json, else every `<digest16>/` folder below it (an experiment
 * folder holds them directly, a store root under `<name>/`, an operator's
 * store under `<namespace>/<name>/`). Empty when there are none.
 */
export async function findResultSets(store: ObjectStore): Promise<ResultSets> {
  if ((await store.stat('manifest.json')) !== undefined) return { complete: [''], incomplete: [] };
  const folders = new Map<string, boolean>();
  for (const key of await store.list('')) {
    const segs = key.split('/');
    // The entry's index: 0 when the root itself is a result set's folder, else just below a <digest16> segment.
    const at = segs.findIndex((s, j) => SET_ENTRIES.has(s) && (j === 0 || DIGEST16.test(segs[j - 1]!)));
    if (at < 0) continue;
    const folder = segs.slice(0, at).join('/');
    const hasManifest = segs.length === at + 1 && segs[at] === 'manifest.json';
    folders.set(folder, (folders.get(folder) ?? false) || hasManifest);
  }
  const sorted = [...folders].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { complete: sorted.filter(([, m]) => m).map(([f]) => f), incomplete: sorted.filter(([, m]) => !m).map(([f]) => f) };
}
