import { SwarmlabError } from '../errors.ts';
import { sha256 } from '../spec/canonical.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { Summary, type ManifestRun } from '../outputs/schemas.ts';

const SUMMARY_FILE = 'summary.json';

/**
 * A succeeded run's summary.json, as the manifest recorded it: the bytes
 * must have the size and sha256 of the manifest's entry, so what is built
 * from them is built from the results the manifest digest covers. The one
 * place results code reads a run's files (their formats may change).
 */
export async function readRunSummary(store: ObjectStore, layout: ResultsLayout, run: ManifestRun): Promise<Summary> {
  const key = layout.runFile(run.run_id, SUMMARY_FILE);
  const entry = run.files?.find((f) => f.name === SUMMARY_FILE);
  if (entry === undefined) throw invalid(store, key, `manifest.json records no ${SUMMARY_FILE} for ${run.run_id}`);
  const bytes = await store.get(key);
  if (bytes === undefined) throw invalid(store, key, 'missing');
  if (bytes.byteLength !== entry.size || sha256(bytes) !== entry.sha256) throw invalid(store, key, 'its bytes are not the ones manifest.json records');
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalid(store, key, `not JSON: ${(e as Error).message}`);
  }
  const parsed = Summary.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(store, key, `${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function invalid(store: ObjectStore, key: string, why: string): SwarmlabError {
  return new SwarmlabError('INVALID_OUTPUT', `${SUMMARY_FILE}: ${why}`, { file: store.uriFor(key), hint: 'swarmlab validate lists every problem of the result set' });
}
