import type { RunTrace, TraceFormat } from '../spec/experiment.ts';

/** The files of a run's trace in one format: the event log (complete trace only) and the metrics. */
export interface TraceFileNames {
  readonly events: string;
  readonly metrics: string;
}

export const TRACE_FILE_NAMES: Readonly<Record<TraceFormat, TraceFileNames>> = {
  parquet: { events: 'events.parquet', metrics: 'metrics.parquet' },
  text: { events: 'events.jsonl', metrics: 'metrics.csv' },
};

/** The format a run's summary records; a summary without one (before schema 2.3.0) had the text trace. */
export function traceFormatOf(trace: RunTrace | undefined): TraceFormat {
  return trace?.format ?? 'text';
}

/** The names of every trace file of any format, which a run may hold only as its own trace. */
export const ALL_TRACE_FILES: ReadonlySet<string> = new Set(Object.values(TRACE_FILE_NAMES).flatMap((n) => [n.events, n.metrics]));

/** The format of a run's trace, from the files it has (a run holds the files of one format: validation checks it against summary.json). */
export function traceFormatOfFiles(names: Iterable<string>): TraceFormat {
  for (const name of names) if (name === TRACE_FILE_NAMES.parquet.metrics) return 'parquet';
  return 'text';
}
