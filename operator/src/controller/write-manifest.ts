import { assembleManifest, formatManifest, plan, readFailureRecords, readRunForManifest, type Experiment, type ExperimentLayout, type ObjectStore, type RunFailure, type RunRecord, type StoredHash } from 'swarmlab';
import { contains, type Intervals } from '../status/intervals.ts';
import type { ManifestWritten } from '../status/decide.ts';
import type { KeptRuns } from './checked-runs.ts';
import type { Calls } from './deps.ts';
import type { PodFailure } from './failures.ts';

/** Runs read at once for one manifest. */
export const MANIFEST_READ_CONCURRENCY = 16;

export interface ManifestInput {
  exp: Experiment;
  store: ObjectStore;
  layout: ExperimentLayout;
  /** Run indexes the store shows succeeded. */
  succeeded: Intervals;
  /** A sample of failed pods: each one's failure, and the block of runs it held. */
  failures: readonly PodFailure[];
  /** What the runs neither succeeded nor failed were (decide()'s writeManifest action). */
  notRun?: Pick<RunFailure, 'code' | 'message'>;
  /** Runs checked as their blocks finished (checked-runs.ts): taken as they were, not read again. */
  kept?: KeptRuns;
}

/** The runs of a failed pod's block, within the sweep. */
function blockIndexes(f: PodFailure, total: number): number[] {
  const out: number[] = [];
  for (let i = f.block[0]; i <= Math.min(f.block[1], total - 1); i++) out.push(i);
  return out;
}

/**
 * The manifest, written last (ADR 0001): every run's record and provenance
 * hash, failures for the rest. Each run is checked against its record
 * (sizes and the store's checksums), once: soon after its block finished
 * (`kept`), else here. One found edited is a failure, never counted as done.
 */
export async function writeManifest(calls: Calls, m: ManifestInput): Promise<ManifestWritten> {
  const points = plan(m.exp);
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const altered = new Map<number, RunFailure>();
  const todo = points.filter((p) => contains(m.succeeded, p.index));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const run = m.kept?.get(p.index) ?? (await calls.store('get', () => readRunForManifest(m.store, m.layout, p)));
      if (run === undefined) continue;
      if ('problems' in run) {
        altered.set(p.index, {
          index: p.index,
          code: 'INVALID_OUTPUT',
          message: `the stored run no longer matches its run.json (${run.problems.slice(0, 3).join('; ')}); delete its folder and apply the Experiment again to run it again`,
        });
        continue;
      }
      records.set(p.index, run.record);
      if (run.provenance !== undefined) provenance.set(p.index, run.provenance);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MANIFEST_READ_CONCURRENCY, todo.length) }, worker));
  // Each run's own record in the store over the sample of failed pods; a pod's failure also stands for the runs of its block it left without outputs or a record (not started, or stopped with it).
  const failed = new Map<number, Pick<RunFailure, 'code' | 'message'>>([
    ...m.failures.flatMap((f) => blockIndexes(f, points.length).map((i) => [i, f] as const)),
    ...m.failures.map((f) => [f.index, f] as const),
    ...(await calls.store('list', () => readFailureRecords(m.store, m.layout))),
    ...altered,
  ]);
  // Once the budget is spent the operator stops the Jobs: a pod stopped then leaves the rest of its block INTERRUPTED, never started because of the budget.
  if (m.notRun !== undefined) for (const p of points) if (!records.has(p.index) && (failed.get(p.index)?.code ?? 'INTERRUPTED') === 'INTERRUPTED') failed.set(p.index, m.notRun);
  const manifest = assembleManifest(m.exp, points, records, failed, provenance);
  await calls.store('put', () => m.store.put(m.layout.manifest, formatManifest(manifest)));
  return { uri: m.store.uriFor(m.layout.manifest), digest: manifest.digest, altered: [...altered.values()] };
}
