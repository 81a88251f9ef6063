import { SwarmlabError } from '../errors.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment, specDigest } from '../spec/load.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { invalidRunFile, readRunFile } from '../results/read-run.ts';
import { Summary, type Manifest, type ManifestRun } from './schemas.ts';
import { ALL_TRACE_FILES, TRACE_FILE_NAMES, traceFormatOfFiles } from './trace-files.ts';
import { openTrace, TraceReadError } from './trace-reader.ts';

// `swarmlab export --format text`: a result set's runs as the text trace
// option writes them, byte for byte: events.jsonl and metrics.csv from the
// trace (whatever its format), summary.json as that option's run writes it
// (the text format and files, and the digest of the spec with the text
// format), and the modules' own files as they are. run.json and the
// manifest are not written: they record the stored set's own bytes.

/** Where the export writes one run's files: a file is opened, written a part at a time, and closed before the next. */
export interface ExportTarget {
  open(runId: string, name: string): ExportFile;
}

export interface ExportFile {
  write(part: Uint8Array): void;
  close(): void;
}

const SUMMARY = 'summary.json';

/** The spec digest the text option's runs record, from the spec the manifest holds. */
export function textSpecDigest(manifest: Manifest, file: string): string {
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, file);
  const trace = exp.spec.output.trace;
  exp.spec.output = { ...exp.spec.output, trace: { level: trace?.level ?? 'complete', ...trace, format: 'text' } };
  return specDigest(exp);
}

/** Exports one succeeded run's files as the text option writes them; every file read is checked against the manifest's sha256. */
export async function exportRunAsText(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, digest: string, target: ExportTarget): Promise<void> {
  const names = (run.files ?? []).map((f) => f.name).filter((n) => n !== 'run.json');
  const format = traceFormatOfFiles(names);
  const traceNames = TRACE_FILE_NAMES[format];
  const trace = new Map<string, Buffer>();
  for (const name of [traceNames.events, traceNames.metrics]) if (names.includes(name)) trace.set(name, await readRunFile(store, layout, run, name));
  const reader = await openTrace({ source: (n) => trace.get(n), names: () => trace.keys() }).catch((e: unknown) => {
    throw unreadable(store, layout, run, e);
  });
  const text = TRACE_FILE_NAMES.text;
  const events = reader.hasEvents ? target.open(run.run_id, text.events) : undefined;
  const metrics = target.open(run.run_id, text.metrics);
  try {
    await reader.writeText({ events: (p) => events?.write(p), metrics: (p) => metrics.write(p) });
  } catch (e) {
    throw unreadable(store, layout, run, e);
  } finally {
    events?.close();
    metrics.close();
  }
  for (const name of names) {
    if (ALL_TRACE_FILES.has(name)) continue;
    const bytes = await readRunFile(store, layout, run, name);
    const file = target.open(run.run_id, name);
    try {
      file.write(name === SUMMARY ? textSummary(bytes, digest, store.uriFor(layout.runFile(run.run_id, name))) : bytes);
    } finally {
      file.close();
    }
  }
}

/** summary.json as the text option's run writes it: the same document but for the trace's format, its files' names and the spec digest. */
function textSummary(bytes: Buffer, digest: string, file: string): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SwarmlabError('INVALID_OUTPUT', `${SUMMARY}: not JSON: ${(e as Error).message}`, { file });
  }
  const parsed = Summary.safeParse(doc);
  if (!parsed.success) throw new SwarmlabError('INVALID_OUTPUT', `${SUMMARY}: ${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { file });
  // Edited in place on the parsed document, so that every key keeps its place.
  const summary = doc as Summary;
  const rename = new Map([
    [TRACE_FILE_NAMES.parquet.events, TRACE_FILE_NAMES.text.events],
    [TRACE_FILE_NAMES.parquet.metrics, TRACE_FILE_NAMES.text.metrics],
  ]);
  summary.experiment.spec_digest = digest;
  if (summary.trace !== undefined && summary.trace.format !== undefined) summary.trace.format = 'text';
  summary.files = summary.files.map((f) => rename.get(f) ?? f);
  return Buffer.from(`${JSON.stringify(summary, null, 2)}\n`, 'utf8');
}

function unreadable(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, e: unknown): unknown {
  return e instanceof TraceReadError ? invalidRunFile(store, layout.runFile(run.run_id, e.file), e.file, e.message.slice(e.file.length + 2)) : e;
}
