import type { ManifestRun } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { invalidRunFile, readRunFile } from './read-run.ts';
import { numberValue, scanFiniteNumber } from '../outputs/json-scan.ts';

/** The run file holding the trace. */
export const TRACE_FILE = 'metrics.csv';
const NEWLINE = 0x0a;
const COMMA = 0x2c;

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
    const end = nl < 0 ? bytes.length : nl;
    return parseRow(bytes, start, end, header.length) ?? parseRowText(i, bytes.toString('utf8', start, end));
  };
  const parseRowText = (i: number, line: string): { time: number; values: number[] } => {
    const cells = line.split(',');
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

/**
 * A row as the runner writes it (`width` finite numbers, comma-separated),
 * read from the bytes without making strings; undefined for any other row,
 * which the text path then reads or refuses.
 */
function parseRow(b: Buffer, start: number, end: number, width: number): { time: number; values: number[] } | undefined {
  const values = new Array<number>(width - 2);
  let time = 0;
  let at = start;
  for (let cell = 0; cell < width; cell++) {
    if (cell > 0) {
      if (b[at] !== COMMA) return undefined;
      at++;
    }
    const z = scanFiniteNumber(b, at);
    if (z < 0) return undefined;
    const v = numberValue(b, at, z);
    if (cell === 0) time = v;
    else if (cell >= 2) values[cell - 2] = v;
    at = z;
  }
  return at === end ? { time, values } : undefined;
}
