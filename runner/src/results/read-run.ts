import { SwarmlabError } from '../errors.ts';
import { sha256 } from '../spec/canonical.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { Summary, type ManifestRun } from '../outputs/schemas.ts';

const SUMMARY_FILE = 'summary.json';

/**
 * A succeeded run's file, as the manifest recorded it: the bytes must have
 * the size and sha256 of the manifest's entry, so what is built from them is
 * built from the results the manifest digest covers. Results code reads a
 * run's files only through here (their formats may change).
 */
export async function readRunFile(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, name: string): Promise<Buffer> {
  const key = layout.runFile(run.run_id, name);
  const entry = run.files?.find((f) => f.name === name);
  if (entry === undefined) throw invalidRunFile(store, key, name, `manifest.json records no ${name} for ${run.run_id}`);
  const bytes = await store.get(key);
  if (bytes === undefined) throw invalidRunFile(store, key, name, 'missing');
  if (bytes.byteLength !== entry.size || sha256(bytes) !== entry.sha256) throw invalidRunFile(store, key, name, 'its bytes are not the ones manifest.json records');
  return bytes;
}

/** A succeeded run's summary.json, checked against the manifest and its schema. */
export async function readRunSummary(store: ObjectStore, layout: ResultsLayout, run: ManifestRun): Promise<Summary> {
  const bytes = await readRunFile(store, layout, run, SUMMARY_FILE);
  const key = layout.runFile(run.run_id, SUMMARY_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalidRunFile(store, key, SUMMARY_FILE, `not JSON: ${(e as Error).message}`);
  }
  const parsed = Summary.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRunFile(store, key, SUMMARY_FILE, `${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function invalidRunFile(store: ObjectStore, key: string, name: string, why: string): SwarmlabError {
  return new SwarmlabError('INVALID_OUTPUT', `${name}: ${why}`, { file: store.uriFor(key), hint: 'swarmlab validate lists every problem of the result set' });
}
