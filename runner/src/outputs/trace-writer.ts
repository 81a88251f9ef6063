import type { RunTrace, TraceFormat } from '../spec/experiment.ts';
import { CsvMetricRows, RunLogWriter, SampledTraceWriter, type RunLogSinks, type TraceWriter } from './format-run-log.ts';
import { ParquetMetricRows, ParquetTraceWriter } from './trace-parquet.ts';
import type { StagingArea } from './staged-file.ts';

/**
 * The writer of a run's trace, by level and format: the complete trace
 * writes the event log and the metrics, the others the metrics only. With
 * `sinks`, the text files are written into them (reused from run to run);
 * with `staging`, the Parquet files are streamed there as the run goes.
 */
export function traceWriter(trace: RunTrace & { readonly format: TraceFormat }, sinks?: RunLogSinks, staging?: StagingArea): TraceWriter {
  if (trace.format === 'text') return trace.level === 'complete' ? new RunLogWriter(sinks) : new SampledTraceWriter(trace, new CsvMetricRows(sinks?.metrics));
  return trace.level === 'complete' ? new ParquetTraceWriter(staging) : new SampledTraceWriter(trace, new ParquetMetricRows(staging));
}
