import type { Experiment } from '../spec/experiment.ts';
import { specDigest } from '../spec/load.ts';
import type { RunPoint } from '../spec/plan.ts';
import { manifestDigest, provenanceDigest } from './digests.ts';
import { Manifest, SCHEMA_VERSION, type ManifestRun, type ProvenanceEntry, type RunRecord } from './schemas.ts';
import type { RunFailure } from './failure-record.ts';

/** A stored file's size and sha256 (of a provenance file, for the manifest's integrity field). */
export interface StoredHash {
  readonly size: number;
  readonly sha256: string;
}

/**
 * The experiment manifest, from each run's record or failure, and the hashes
 * of the succeeded runs' provenance files. Pure: the same results give the
 * same bytes. Holds no wall-clock facts.
 */
export function assembleManifest(
  exp: Experiment,
  points: readonly RunPoint[],
  records: ReadonlyMap<number, RunRecord>,
  failures: ReadonlyMap<number, Pick<RunFailure, 'code' | 'message'>>,
  provenance: ReadonlyMap<number, StoredHash>,
): Manifest {
  const runs: ManifestRun[] = [];
  const provenanceFiles: ProvenanceEntry[] = [];
  for (const p of points) {
    const rec = records.get(p.index);
    if (rec) {
      runs.push({ run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params }, status: 'succeeded', digest: rec.digest, files: rec.files, ...(rec.code ? { code: rec.code } : {}) });
      const prov = provenance.get(p.index);
      if (prov) provenanceFiles.push({ run_id: p.runId, size: prov.size, sha256: prov.sha256 });
      continue;
    }
    const f = failures.get(p.index) ?? { code: 'RUN_FAILED', message: 'the run has no validated outputs' };
    runs.push({ run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params }, status: 'failed', error: { code: f.code, message: f.message } });
  }
  const succeeded = runs.filter((r) => r.status === 'succeeded').length;
  const content = {
    schema_version: SCHEMA_VERSION,
    experiment: { name: exp.metadata.name, spec_digest: specDigest(exp) },
    counts: { total: runs.length, succeeded, failed: runs.length - succeeded },
    runs,
  };
  return Manifest.parse({
    schema_version: content.schema_version,
    experiment: content.experiment,
    spec: JSON.parse(JSON.stringify(exp.spec)) as Record<string, unknown>,
    counts: content.counts,
    runs,
    digest: manifestDigest(content),
    provenance: { files: provenanceFiles, digest: provenanceDigest(provenanceFiles) },
  });
}

export function formatManifest(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
