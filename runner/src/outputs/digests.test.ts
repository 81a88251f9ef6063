import { describe, expect, it } from 'vitest';
import { parseExperimentText } from '../spec/load.ts';
import { plan, type RunPoint } from '../spec/plan.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { runDigest } from './digests.ts';
import { assembleManifest, type StoredHash } from './manifest.ts';
import type { RunFailure } from './failure-record.ts';
import { SCHEMA_VERSION, type RunRecord } from './schemas.ts';

const local = parseExperimentText(tinySpec('same'));
// As the operator holds it: its store filled in, other execution hints.
const cluster = parseExperimentText(
  tinySpec('same', '  execution:\n    parallelism: 7\n    retries: 2\n  output:\n    store: s3://bucket/ns\n'),
);

function recordOf(p: RunPoint): RunRecord {
  const fields = {
    schema_version: SCHEMA_VERSION,
    run_id: p.runId,
    index: p.index,
    seed: p.seed,
    params: { ...p.params },
    files: [{ name: 'summary.json', size: 10 + p.index, sha256: String(p.index % 10).repeat(64) }],
  };
  return { ...fields, digest: runDigest(fields) };
}

function manifestFor(exp = local, failures = new Map<number, RunFailure>(), provenance = new Map<number, StoredHash>()) {
  const points = plan(exp);
  const records = new Map(points.filter((p) => !failures.has(p.index)).map((p) => [p.index, recordOf(p)]));
  return assembleManifest(exp, points, records, failures, provenance);
}

describe('result digests', () => {
  it('are the same for a spec that differs only in where results are stored and how runs are executed', () => {
    expect(cluster.spec.output.store).not.toBe(local.spec.output.store);
    const a = manifestFor(local);
    const b = manifestFor(cluster);
    expect(b.spec).not.toEqual(a.spec);
    expect(b.experiment.spec_digest).toBe(a.experiment.spec_digest);
    expect(b.digest).toBe(a.digest);
  });

  it('the manifest digest changes with a run\'s params, seed or record digest, and with a failed run\'s code but not its message', () => {
    const base = manifestFor();
    const fail = (code: string, message: string) => manifestFor(local, new Map([[2, { index: 2, code, message }]]));
    expect(fail('RUN_FAILED', 'boom').digest).not.toBe(base.digest);
    expect(fail('RUN_FAILED', 'boom on another host').digest).toBe(fail('RUN_FAILED', 'boom').digest);
    expect(fail('INVALID_OUTPUT', 'boom').digest).not.toBe(fail('RUN_FAILED', 'boom').digest);
    const other = parseExperimentText(tinySpec('same').replace('values: [0.4, 0.8]', 'values: [0.4, 0.9]'));
    expect(manifestFor(other).digest).not.toBe(base.digest);
  });

  it('the run digest covers every field of the record, not only its files', () => {
    const rec = recordOf(plan(local)[3]!);
    const { digest, ...fields } = rec;
    expect(runDigest(fields)).toBe(digest);
    expect(runDigest({ ...fields, params: { 'arrivals.rate': 0.4 } })).not.toBe(digest);
    expect(runDigest({ ...fields, seed: fields.seed + 1 })).not.toBe(digest);
    expect(runDigest({ ...fields, index: 4 })).not.toBe(digest);
    expect(runDigest({ ...fields, run_id: 'run-000004' })).not.toBe(digest);
    expect(runDigest({ ...fields, schema_version: '9.9.9' })).not.toBe(digest);
    const code = [{ package: 'sir-models', version: '1.0.0', digest: 'a'.repeat(64) }];
    expect(runDigest({ ...fields, code })).not.toBe(digest);
    expect(runDigest({ ...fields, code: [{ ...code[0]!, digest: 'b'.repeat(64) }] })).not.toBe(runDigest({ ...fields, code }));
    expect(runDigest({ ...fields, files: [{ ...fields.files[0]!, size: 1 }] })).not.toBe(digest);
  });

  it('provenance hashes go to the integrity field and never change the result digest', () => {
    const without = manifestFor();
    const withProv = manifestFor(local, new Map(), new Map([[1, { size: 200, sha256: 'a'.repeat(64) }]]));
    expect(withProv.digest).toBe(without.digest);
    expect(withProv.provenance.files).toEqual([{ run_id: 'run-000001', size: 200, sha256: 'a'.repeat(64) }]);
    expect(withProv.provenance.digest).not.toBe(without.provenance.digest);
  });
});
