import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { FileEntry, Manifest, ProvenanceEntry, RunRecord } from './schemas.ts';

// The digests of docs/adr/0001. Each is sha256 over the canonical JSON (keys
// sorted, no whitespace) of a projection of a document: every field a user can
// join on, never a wall-clock fact, never where or how the runs were executed.

/** Every field of run.json but `digest`; files by name, so equal files in any order give an equal digest. */
export function runDigest(rec: Omit<RunRecord, 'digest'>): string {
  return sha256(
    canonicalJson({
      schema_version: rec.schema_version,
      run_id: rec.run_id,
      index: rec.index,
      seed: rec.seed,
      params: rec.params,
      files: sortedFiles(rec.files),
      // Records written before 2.1.0 have no code entry: their digest is what it was.
      ...(rec.code === undefined ? {} : { code: rec.code.map((c) => ({ package: c.package, version: c.version, digest: c.digest })) }),
    }),
  );
}

export type ManifestContent = Pick<Manifest, 'schema_version' | 'experiment' | 'counts' | 'runs'>;

/**
 * The experiment's result digest: the spec digest, the counts and every run
 * entry, succeeded (its run digest) or failed (its error code). Failure
 * messages name stores and hosts, so they are out; so are `spec` (through
 * spec_digest, which `validate` recomputes from it) and the provenance field.
 */
export function manifestDigest(m: ManifestContent): string {
  return sha256(
    canonicalJson({
      schema_version: m.schema_version,
      experiment: { name: m.experiment.name, spec_digest: m.experiment.spec_digest },
      counts: m.counts,
      runs: m.runs.map((r) => ({
        run_id: r.run_id,
        index: r.index,
        seed: r.seed,
        params: r.params,
        status: r.status,
        digest: r.digest,
        error_code: r.error?.code,
      })),
    }),
  );
}

/** The provenance integrity field's digest: over its entries in run order. */
export function provenanceDigest(files: readonly ProvenanceEntry[]): string {
  return sha256(canonicalJson(files.map((f) => ({ run_id: f.run_id, size: f.size, sha256: f.sha256 }))));
}

function sortedFiles(files: readonly FileEntry[]): FileEntry[] {
  return [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }));
}
