import type { ManifestRun } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { TRACE_FILE_NAMES, traceFormatOfFiles } from '../outputs/trace-files.ts';
import { openTrace, TraceReadError, type MetricColumns, type MetricRow, type RunTraceReader } from '../outputs/trace-reader.ts';
import { invalidRunFile, openRunFile, readRunFile } from './read-run.ts';

/**
 * A run's metrics over logical time: the value of each metric after each
 * executed event (or each sampled row). Read through the trace reader, so
 * code that needs a metric's course (the report) reads either format.
 */
export interface MetricTrace {
  /** Metric names (`instance.key`), in the trace's order. */
  readonly metrics: readonly string[];
  /** Rows in event order, decoded as they are iterated. */
  rows(): AsyncIterable<MetricRow>;
  /** The named metrics' columns with the time column, a block of rows at a time; names must be among `metrics`. */
  columns(names: readonly string[]): AsyncIterable<MetricColumns>;
  /** Rows in the trace. */
  readonly length: number;
  /** Logical time of the last row (0 when there is none). */
  readonly endTime: number;
}

/** The run's metrics file as the manifest lists it (metrics.parquet or metrics.csv), or undefined for a run stored without its trace. */
export function metricTraceFile(run: ManifestRun): string | undefined {
  const names = (run.files ?? []).map((f) => f.name);
  const file = TRACE_FILE_NAMES[traceFormatOfFiles(names)].metrics;
  return names.includes(file) ? file : undefined;
}

/**
 * A succeeded run's metrics, checked against the manifest's sha256; a file
 * that cannot be read is INVALID_OUTPUT naming it. metrics.parquet is read a
 * row group at a time, by range, so a long run's is never whole in memory.
 */
export async function readMetricTrace(store: ObjectStore, layout: ResultsLayout, run: ManifestRun): Promise<MetricTrace> {
  const file = metricTraceFile(run) ?? TRACE_FILE_NAMES.text.metrics;
  const bytes = file === TRACE_FILE_NAMES.parquet.metrics ? await openRunFile(store, layout, run, file) : await readRunFile(store, layout, run, file);
  const invalid = (e: unknown): unknown => (e instanceof TraceReadError ? invalidRunFile(store, layout.runFile(run.run_id, e.file), e.file, e.message.slice(e.file.length + 2)) : e);
  let reader: RunTraceReader;
  let endTime: number;
  try {
    reader = await openTrace({ source: (name) => (name === file ? bytes : undefined), names: () => [file] });
    endTime = await reader.endTime();
  } catch (e) {
    throw invalid(e);
  }
  return {
    metrics: reader.metrics,
    length: reader.length,
    endTime,
    async *rows() {
      try {
        yield* reader.metricRows();
      } catch (e) {
        throw invalid(e);
      }
    },
    async *columns(names) {
      try {
        yield* reader.metricColumns(names);
      } catch (e) {
        throw invalid(e);
      }
    },
  };
}
