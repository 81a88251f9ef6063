import { assembleManifest, formatManifest, plan, readFailureRecords, readRunForManifest, type Experiment, type ExperimentLayout, type ObjectStore, type RunFailure, type RunRecord, type StoredHash } from 'swarmlab';
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
  /** What the runs neither succeeded nor failed were (decide()'s writeManifest action). */
  notRun?: Pick<RunFailure, 'code' | 'message'>;
}

/** The manifest, written last (ADR 0001): every run's record and provenance hash, failures for the rest. */
export async function writeManifest(calls: Calls, m: ManifestInput): Promise<{ uri: string; digest: string }> {
  const points = plan(m.exp);
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const todo = points.filter((p) => contains(m.succeeded, p.index));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const run = await calls.store('get', () => readRunForManifest(m.store, m.layout, p.runId));
      if (run !== undefined) records.set(p.index, run.record);
      if (run?.provenance !== undefined) provenance.set(p.index, run.provenance);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MANIFEST_READ_CONCURRENCY, todo.length) }, worker));
  // Each run's own record in the store over the sample of failed pods.
  const failed = new Map<number, Pick<RunFailure, 'code' | 'message'>>([
    ...m.failures.map((f) => [f.index, f] as const),
    ...(await calls.store('list', () => readFailureRecords(m.store, m.layout))),
  ]);
  if (m.notRun !== undefined) for (const p of points) if (!records.has(p.index) && !failed.has(p.index)) failed.set(p.index, m.notRun);
  const manifest = assembleManifest(m.exp, points, records, failed, provenance);
  await calls.store('put', () => m.store.put(m.layout.manifest, formatManifest(manifest)));
  return { uri: m.store.uriFor(m.layout.manifest), digest: manifest.digest };
}
