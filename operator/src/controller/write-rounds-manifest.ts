import { assembleManifest, formatManifest, planRun, plannedIndices, readFailureRecords, readRunForManifest, sweepSeeds, type ExperimentLayout, type ObjectStore, type RoundsPlan, type RunFailure, type RunRecord, type StoredHash } from 'swarmlab';
import type { ManifestWritten, RunFailureCause } from '../status/decide.ts';
import type { Calls } from './deps.ts';

const MANIFEST_READ_CONCURRENCY = 16;

export interface RoundsManifestInput {
  plan: RoundsPlan;
  store: ObjectStore;
  layout: ExperimentLayout;
  /** Runs of the current round that never ran (the failure budget stopped it): what the manifest says of them. */
  notRun?: RunFailureCause;
  /** Those runs (no run.json when the round was stopped). */
  pending: readonly number[];
}

/**
 * An adaptive sweep's manifest, written last: every run of its rounds
 * (planRounds' runs, the ones `swarmlab run` runs for the same results), each
 * checked against its record; a run without outputs has its failure record's
 * code and message, as the local executor records them.
 */
export async function writeRoundsManifest(calls: Calls, exp: Parameters<typeof planRun>[0], m: RoundsManifestInput): Promise<ManifestWritten> {
  const seeds = sweepSeeds(exp.spec.sweep);
  const points = plannedIndices(m.plan).map((i) => planRun(exp, i, seeds));
  const records = new Map<number, RunRecord>();
  const provenance = new Map<number, StoredHash>();
  const altered = new Map<number, RunFailure>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < points.length) {
      const p = points[next++]!;
      const run = await calls.store('get', () => readRunForManifest(m.store, m.layout, p));
      if (run === undefined) continue;
      if ('problems' in run) {
        altered.set(p.index, { index: p.index, code: 'INVALID_OUTPUT', message: `the stored run no longer matches its run.json (${run.problems.slice(0, 3).join('; ')}); delete its folder and apply the Experiment again to run it again` });
        continue;
      }
      records.set(p.index, run.record);
      if (run.provenance !== undefined) provenance.set(p.index, run.provenance);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MANIFEST_READ_CONCURRENCY, points.length) }, worker));
  const failed = new Map<number, Pick<RunFailure, 'code' | 'message'>>([...(await calls.store('list', () => readFailureRecords(m.store, m.layout))), ...altered]);
  if (m.notRun !== undefined) for (const i of m.pending) if (!records.has(i)) failed.set(i, m.notRun);
  const manifest = assembleManifest(exp, points, records, failed, provenance);
  await calls.store('put', () => m.store.put(m.layout.manifest, formatManifest(manifest)));
  return { uri: m.store.uriFor(m.layout.manifest), digest: manifest.digest, altered: [...altered.values()] };
}
