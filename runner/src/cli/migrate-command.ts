import type { ModuleRegistry } from '../modules/registry.ts';
import type { ObjectStore } from '../store/store.ts';
import { ResultsLayout } from '../store/layout.ts';
import { SwarmlabError } from '../errors.ts';
import { fileEntry } from '../outputs/check-run.ts';
import { manifestDigest, provenanceDigest, runDigest } from '../outputs/digests.ts';
import { migrateDocument } from '../outputs/migrate.ts';
import { Manifest, RunRecord, type ProvenanceEntry } from '../outputs/schemas.ts';
import { sha256 } from '../spec/canonical.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { finishResults } from '../results/finish.ts';

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly files: number;
}

/**
 * Writes an upgraded copy of a results folder: summaries, run records and
 * the manifest are migrated, hashes and digests recomputed, provenance files
 * copied and recorded in the manifest's integrity field, the tables built
 * from the new manifest, and the copy is validated. The source is never modified (its keys are write-once).
 */
export async function migrateResults(src: ObjectStore, dest: ObjectStore, registry: ModuleRegistry): Promise<MigrationReport> {
  // Both stores are opened at the result set itself.
  const layout = new ResultsLayout('');
  const manifestBytes = await src.get(layout.manifest);
  if (!manifestBytes) throw new SwarmlabError('BAD_FILE', 'no manifest.json', { file: src.uriFor(layout.manifest) });
  const manifestDoc = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
  const applied = new Set<string>();
  const m = migrateDocument('manifest', manifestDoc);
  m.applied.forEach((a) => applied.add(a));
  const manifest = Manifest.parse(m.doc);
  let files = 0;
  const provenance: ProvenanceEntry[] = [];
  for (const run of manifest.runs) {
    if (run.status !== 'succeeded') continue;
    const recordKey = layout.runRecord(run.run_id);
    const recBytes = await src.get(recordKey);
    if (!recBytes) throw new SwarmlabError('INVALID_OUTPUT', `${run.run_id}: run.json missing`, { file: src.uriFor(layout.run(run.run_id)) });
    const rec = migrateDocument('run-record', JSON.parse(recBytes.toString('utf8')) as Record<string, unknown>);
    rec.applied.forEach((a) => applied.add(a));
    const record = RunRecord.parse(rec.doc);
    const entries = [];
    for (const f of record.files) {
      const fileKey = layout.runFile(run.run_id, f.name);
      const content = await src.get(fileKey);
      if (!content) throw new SwarmlabError('INVALID_OUTPUT', `${run.run_id}/${f.name}: missing`, { file: src.uriFor(fileKey) });
      let out: string | Buffer = content;
      if (f.name === 'summary.json') {
        const s = migrateDocument('summary', JSON.parse(content.toString('utf8')) as Record<string, unknown>);
        s.applied.forEach((a) => applied.add(a));
        out = `${JSON.stringify(s.doc, null, 2)}\n`;
      }
      await dest.putIfAbsent(fileKey, out);
      entries.push(fileEntry(f.name, out));
      files++;
    }
    const fields = { schema_version: record.schema_version, run_id: record.run_id, index: record.index, seed: record.seed, params: record.params, files: entries, ...(record.code ? { code: record.code } : {}) };
    const newRecord: RunRecord = { ...fields, digest: runDigest(fields) };
    await dest.putIfAbsent(recordKey, `${JSON.stringify(newRecord, null, 2)}\n`);
    run.files = entries;
    run.digest = newRecord.digest;
    const provKey = layout.provenance(run.run_id);
    const prov = await src.get(provKey);
    if (prov) {
      await dest.put(provKey, prov);
      provenance.push({ run_id: run.run_id, size: prov.byteLength, sha256: sha256(prov) });
    }
  }
  manifest.provenance = { files: provenance, digest: provenanceDigest(provenance) };
  manifest.digest = manifestDigest(manifest);
  await dest.put(layout.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  await finishResults(dest, layout, manifest);
  const report = await validateResults(dest, registry);
  if (report.problems.length > 0) {
    throw new SwarmlabError('INVALID_OUTPUT', `the migrated copy does not validate: ${report.problems.slice(0, 3).join('; ')}`, { file: dest.uri });
  }
  return { applied: [...applied], files };
}
