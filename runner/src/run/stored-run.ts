import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { RunPoint } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import type { ExperimentLayout } from '../store/layout.ts';
import { runDigest } from '../outputs/digests.ts';
import type { StoredHash } from '../outputs/manifest.ts';
import type { RunRecord } from '../outputs/schemas.ts';

/**
 * What makes a stored run unfit to keep as done: its record is not the
 * plan's run, does not match its own digest, or its files are missing or not
 * the bytes it records. Cheap where the store allows: sizes and the store's
 * own SHA-256 (a file store hashes the file; S3 returns the checksum it
 * verified at upload, and only an object without one is read back).
 * Empty when the run can be kept.
 */
export async function storedRunProblems(store: ObjectStore, layout: ExperimentLayout, point: RunPoint, rec: RunRecord): Promise<string[]> {
  const problems: string[] = [];
  if (rec.run_id !== point.runId) problems.push(`run.json: run_id ${rec.run_id}, the plan gives ${point.runId}`);
  if (rec.index !== point.index) problems.push(`run.json: index ${rec.index}, the plan gives ${point.index}`);
  if (rec.seed !== point.seed) problems.push(`run.json: seed ${rec.seed}, the plan gives ${point.seed}`);
  if (canonicalJson(rec.params) !== canonicalJson(point.params)) problems.push(`run.json: params ${canonicalJson(rec.params)}, the plan gives ${canonicalJson(point.params)}`);
  if (runDigest(rec) !== rec.digest) problems.push('run.json: digest does not match the record');
  for (const f of rec.files) {
    const key = layout.runFile(point.runId, f.name);
    const stat = await store.stat(key);
    if (stat === undefined) {
      problems.push(`${f.name}: missing`);
      continue;
    }
    if (stat.size !== f.size) {
      problems.push(`${f.name}: size ${stat.size}, recorded ${f.size}`);
      continue;
    }
    const got = stat.sha256 ?? hashOf(await store.get(key));
    if (got !== f.sha256) problems.push(`${f.name}: sha256 ${got ?? '(gone)'}, recorded ${f.sha256}`);
  }
  return problems;
}

/** A stored key's size and sha256: from the store's own checksum when it keeps one, else by reading the bytes. */
export async function storedHash(store: ObjectStore, key: string): Promise<StoredHash | undefined> {
  const stat = await store.stat(key);
  if (stat === undefined) return undefined;
  if (stat.sha256 !== undefined) return { size: stat.size, sha256: stat.sha256 };
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : { size: bytes.byteLength, sha256: sha256(bytes) };
}

function hashOf(bytes: Buffer | undefined): string | undefined {
  return bytes === undefined ? undefined : sha256(bytes);
}
