import { fileEntry } from '../outputs/check-run.ts';
import { ResultsIndex, SCHEMA_VERSION, type FileEntry, type Manifest } from '../outputs/schemas.ts';
import { REPORT_FILE, SENSITIVITY_FILE, type ResultsLayout } from '../store/layout.ts';
import { SensitivityFile } from '../analysis/sensitivity-file.ts';
import { readDerivedFile } from './read-derived-file.ts';
import { buildReport } from '../report/build-report.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { ObjectStore } from '../store/store.ts';
import { RUNNER_VERSION } from '../version.ts';
import { encodeResultTables } from './build-tables.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment } from '../spec/load.ts';
import { isAdaptive } from '../spec/plan.ts';
import { summarizeRounds } from '../rounds/summarize.ts';
import { formatAdaptiveFile } from '../rounds/adaptive-file.ts';

export interface FinishedResults {
  /** Each file built from the manifest (the tables, then the report), with its store key. */
  readonly files: readonly (FileEntry & { readonly key: string })[];
  readonly indexKey: string;
  /** The report's store key. */
  readonly reportKey: string;
  readonly runs: number;
  readonly points: number;
  readonly columns: number;
}

/**
 * What follows a manifest: the tables built from it, stored beside it, an
 * adaptive sweep's adaptive.json, the report built from them, then the results index, last, recording each
 * file's sha256 and the manifest
 * digest they were built from. A reader who finds the index finds every
 * file it names; `swarmlab validate` checks them against it. Running it
 * again on the same manifest writes the same bytes.
 */
export async function finishResults(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, registry: ModuleRegistry = builtinRegistry): Promise<FinishedResults> {
  const encoded = await encodeResultTables(store, layout, manifest);
  const files: (FileEntry & { key: string })[] = [];
  for (const { file, bytes } of encoded.files) {
    const key = layout.table(file);
    await store.put(key, bytes);
    files.push({ ...fileEntry(file, bytes), key });
  }
  // An adaptive sweep's answer (adaptive.json) comes before the report, which draws it.
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, layout.manifest);
  if (isAdaptive(exp.spec.sweep)) await store.put(layout.adaptive, formatAdaptiveFile(await summarizeRounds(store, layout, exp, manifest)));
  const report = await buildReport(store, layout, manifest, { registry });
  const reportKey = layout.table(REPORT_FILE);
  await store.put(reportKey, report);
  files.push({ ...fileEntry(REPORT_FILE, report), key: reportKey });
  const analysis = await sensitivityEntry(store, layout, manifest);
  const index = assembleResultsIndex(manifest, analysis === undefined ? files : [...files, analysis]);
  await store.put(layout.resultsIndex, formatResultsIndex(index));
  return { files, indexKey: layout.resultsIndex, reportKey, runs: encoded.runs, points: encoded.points, columns: encoded.columns };
}

/**
 * The results index's entry for sensitivity.json when `swarmlab analyze`
 * wrote one from this manifest: the index then records what the report's
 * sensitivity section shows. Another manifest's (or an unreadable) file is
 * not recorded; the report says it is stale.
 */
export async function sensitivityEntry(store: ObjectStore, layout: ResultsLayout, manifest: Manifest): Promise<FileEntry | undefined> {
  const read = await readDerivedFile(store, layout.sensitivity, SensitivityFile, manifest.digest);
  return read !== undefined && 'doc' in read ? fileEntry(SENSITIVITY_FILE, read.bytes) : undefined;
}

export function assembleResultsIndex(manifest: Manifest, files: readonly FileEntry[]): ResultsIndex {
  return ResultsIndex.parse({
    schema_version: SCHEMA_VERSION,
    experiment: manifest.experiment,
    manifest_digest: manifest.digest,
    runner: { version: RUNNER_VERSION },
    files: files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })),
  });
}

export function formatResultsIndex(index: ResultsIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}
