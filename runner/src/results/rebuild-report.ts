import { SwarmlabError } from '../errors.ts';
import { fileEntry } from '../outputs/check-run.ts';
import { ResultsIndex, type Manifest } from '../outputs/schemas.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { buildReport } from '../report/build-report.ts';
import { REPORT_FILE, SENSITIVITY_FILE, type ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { formatResultsIndex, sensitivityEntry } from './finish.ts';

/**
 * Builds the report of finished results again (after `swarmlab analyze`
 * wrote what its sensitivity section shows) and records its new sha256 and
 * sensitivity.json's in the results index, written last as when the results
 * were finished. The tables' entries are left as they are.
 */
export async function rebuildReport(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, registry: ModuleRegistry): Promise<string> {
  const bytes = await store.get(layout.resultsIndex);
  const index = bytes === undefined ? undefined : ResultsIndex.safeParse(JSON.parse(bytes.toString('utf8')));
  if (index === undefined || !index.success || index.data.manifest_digest !== manifest.digest) {
    throw new SwarmlabError('INVALID_OUTPUT', 'results-index.json: missing, invalid or of another manifest', { file: store.uriFor(layout.resultsIndex), hint: 'swarmlab results PATH builds the tables and the report first' });
  }
  const report = await buildReport(store, layout, manifest, { registry });
  const key = layout.table(REPORT_FILE);
  await store.put(key, report);
  const entry = fileEntry(REPORT_FILE, report);
  const built = index.data.files.filter((f) => f.name !== SENSITIVITY_FILE).map((f) => (f.name === REPORT_FILE ? { name: f.name, size: entry.size, sha256: entry.sha256 } : f));
  const analysis = await sensitivityEntry(store, layout, manifest);
  const files = analysis === undefined ? built : [...built, analysis];
  await store.put(layout.resultsIndex, formatResultsIndex({ ...index.data, files }));
  return store.uriFor(key);
}
