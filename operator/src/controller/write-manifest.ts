import { assembleManifest, formatManifest, plan, readRunRecord, type Experiment, type ExperimentLayout, type ObjectStore, type RunFailure as ManifestFailure, type RunRecord } from 'swarmlab';
import type { RunFailure } from '../status/decide.ts';
import { contains, type Intervals } from '../status/intervals.ts';
import type { Calls } from './deps.ts';

const MANIFEST_READ_CONCURRENCY = 16;

export interface ManifestInput {
  exp: Experiment;
  store: ObjectStore;
  layout: ExperimentLayout;
  /** Run indexes the store shows succeeded. */
  succeeded: Intervals;
  failures: readonly RunFailure[];
}

/** The manifest, written last (ADR 0001): every run's record, failures for the rest. */
export async function writeManifest(calls: Calls, m: ManifestInput): Promise<{ uri: string; digest: string }> {
  const points = plan(m.exp);
  const records = new Map<number, RunRecord>();
  const todo = points.filter((p) => contains(m.succeeded, p.index));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const rec = await calls.store('get', () => readRunRecord(m.store, m.layout, p.runId));
      if (rec !== undefined) records.set(p.index, rec);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MANIFEST_READ_CONCURRENCY, todo.length) }, worker));
  const failed = new Map<number, ManifestFailure>();
  for (const f of m.failures) failed.set(f.index, { code: f.code ?? 'RUN_FAILED', message: f.message });
  const manifest = assembleManifest(m.exp, points, records, failed);
  await calls.store('put', () => m.store.put(m.layout.manifest, formatManifest(manifest)));
  return { uri: m.store.uriFor(m.layout.manifest), digest: manifest.digest };
}
