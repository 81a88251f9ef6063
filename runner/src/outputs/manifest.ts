import type { Experiment } from '../spec/experiment.ts';
import { specDigest } from '../spec/load.ts';
import { sha256 } from '../spec/canonical.ts';
import type { RunPoint } from '../spec/plan.ts';
import { Manifest, SCHEMA_VERSION, type ManifestRun, type RunRecord } from './schemas.ts';
import type { RunFailure } from './failure-record.ts';

/**
 * The experiment manifest, from each run's record or failure. Pure: the same
 * results give the same bytes. Holds no wall-clock facts.
 */
export function assembleManifest(
  exp: Experiment,
  points: readonly RunPoint[],
  records: ReadonlyMap<number, RunRecord>,
  failures: ReadonlyMap<number, Pick<RunFailure, 'code' | 'message'>>,
): Manifest {
  const runs: ManifestRun[] = [];
  const digestLines: string[] = [];
  for (const p of points) {
    const rec = records.get(p.index);
    if (rec) {
      runs.push({ run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params }, status: 'succeeded', digest: rec.digest, files: rec.files });
      digestLines.push(`${p.runId}:${rec.digest}\n`);
      continue;
    }
    const f = failures.get(p.index) ?? { code: 'RUN_FAILED', message: 'the run has no validated outputs' };
    runs.push({ run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params }, status: 'failed', error: { code: f.code, message: f.message } });
  }
  const succeeded = runs.filter((r) => r.status === 'succeeded').length;
  return Manifest.parse({
    schema_version: SCHEMA_VERSION,
    experiment: { name: exp.metadata.name, spec_digest: specDigest(exp) },
    spec: JSON.parse(JSON.stringify(exp.spec)) as Record<string, unknown>,
    counts: { total: runs.length, succeeded, failed: runs.length - succeeded },
    runs,
    digest: sha256(digestLines.join('')),
  });
}

export function formatManifest(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
