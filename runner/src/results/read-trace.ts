import type { ManifestRun } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { invalidRunFile, readRunFile } from './read-run.ts';

/** The run file holding the trace. */
export const TRACE_FILE = 'metrics.csv';
const NEWLINE = 0x0a;

/**
 * A run's metrics over logical time: the value of each metric after each
 * executed event. The one reader of run traces: code that needs a metric's
 * course (the report) reads it here, so the trace's format can change
 * without touching it.
 */
export interface MetricTrace {
  /** Metric names (`instance.key`), in the trace's order. */
  readonly metrics: readonly string[];
  /** Rows in event order: the logical time, then one value per metric. */
  rows(): Iterable<{ readonly time: number; readonly values: readonly number[] }>;
  /** Rows in the trace. */
  readonly length: number;
  /** Logical time of the last row (0 when there is none). */
  readonly endTime: number;
}

/** A succeeded run's trace, checked against the manifest's sha256. Rows are parsed as they are iterated: memory holds the file, not the parsed rows. */
export async function readMetricTrace(store: ObjectStore, layout: ResultsLayout, run: ManifestRun): Promise<MetricTrace> {
  const bytes = await readRunFile(store, layout, run, TRACE_FILE);
  const key = layout.runFile(run.run_id, TRACE_FILE);
  const headerEnd = bytes.indexOf(NEWLINE);
  const header = bytes.toString('utf8', 0, headerEnd < 0 ? bytes.length : headerEnd).split(',');
  if (header[0] !== 'time' || header[1] !== 'seq') throw invalidRunFile(store, key, TRACE_FILE, 'header must start with time,seq');
  const metrics = header.slice(2);
  const starts: number[] = [];
  for (let s = headerEnd + 1; s > 0 && s < bytes.length; ) {
    starts.push(s);
    const nl = bytes.indexOf(NEWLINE, s);
    s = nl < 0 ? bytes.length : nl + 1;
  }
  const parse = (i: number): { time: number; values: number[] } => {
    const start = starts[i] as number;
    const nl = bytes.indexOf(NEWLINE, start);
    const cells = bytes.toString('utf8', start, nl < 0 ? bytes.length : nl).split(',');
    if (cells.length !== header.length) throw invalidRunFile(store, key, TRACE_FILE, `line ${i + 2}: ${cells.length} cells, header has ${header.length}`);
    return { time: Number(cells[0]), values: cells.slice(2).map(Number) };
  };
  return {
    metrics,
    length: starts.length,
    endTime: starts.length === 0 ? 0 : parse(starts.length - 1).time,
    *rows() {
      for (let i = 0; i < starts.length; i++) yield parse(i);
    },
  };
}
