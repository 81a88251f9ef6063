import { SwarmlabError } from '../errors.ts';
import { stateLayout, traceBlock } from '../outputs/console-trace.ts';
import type { ManifestRun } from '../outputs/schemas.ts';
import { TRACE_FILE_NAMES, traceFormatOfFiles } from '../outputs/trace-files.ts';
import { openTrace, TraceReadError } from '../outputs/trace-reader.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { invalidRunFile, readRunFile } from './read-run.ts';

/**
 * Writes one stored run's console trace: every executed event, then the
 * state of every instance after it. Read through the trace reader from the
 * run's event log and metrics (either format), checked against the manifest.
 */
export async function writeRunTrace(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, write: (text: string) => Promise<void>): Promise<void> {
  const names = (run.files ?? []).map((f) => f.name);
  const traceNames = TRACE_FILE_NAMES[traceFormatOfFiles(names)];
  if (!names.includes(traceNames.events)) {
    throw new SwarmlabError('USAGE', `${run.run_id} was stored without its event log, so it has no trace to print`, { hint: 'run the experiment with spec.output.trace.level: complete' });
  }
  const files = new Map<string, Buffer>();
  for (const name of [traceNames.events, traceNames.metrics]) files.set(name, await readRunFile(store, layout, run, name));
  const invalid = (e: unknown): unknown => (e instanceof TraceReadError ? invalidRunFile(store, layout.runFile(run.run_id, e.file), e.file, e.message.slice(e.file.length + 2)) : e);
  try {
    const reader = await openTrace({ source: (n) => files.get(n), names: () => files.keys() });
    const state = stateLayout(reader.metrics);
    const rows = reader.metricRows()[Symbol.asyncIterator]();
    for await (const event of reader.events()) {
      const row = await rows.next();
      if (row.done === true || row.value.seq !== event.seq) {
        throw invalidRunFile(store, layout.runFile(run.run_id, traceNames.metrics), traceNames.metrics, `no metrics row for event #${event.seq}`);
      }
      await write(traceBlock(event, row.value.values, state));
    }
  } catch (e) {
    throw invalid(e);
  }
}
