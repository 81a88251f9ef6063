import type { RunObserver } from '../engine/simulation.ts';
import type { RunLog, SimEvent } from '../sdk/module.ts';
import type { MetricTable } from '../engine/metric-table.ts';
import type { RunTrace } from '../spec/experiment.ts';
import { ByteSink } from './byte-sink.ts';
import type { StagedFile } from './staged-file.ts';

export interface RunLogSinks {
  /** events.jsonl: one JSON object per executed event, keys in schema order (complete trace only). */
  readonly events: ByteSink;
  /** metrics.csv: `time,seq,<instance.metric>...`, one row after each executed event. */
  readonly metrics: ByteSink;
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/**
 * Writes events.jsonl and metrics.csv line by line into byte sinks, as the
 * run executes (it is the engine's observer) or afterwards from a kept log.
 * Formatting was a third of a run's cost, so: each event line is one
 * JSON.stringify (flat, no string ropes), no file is ever one big string,
 * the metrics row copies the time's bytes as JSON.stringify wrote them
 * instead of formatting the double again, and its integers are written as
 * digits, not strings (building each row as a string allocated about 400
 * bytes an event).
 */
export class RunLogWriter implements TraceWriter {
  readonly sinks: RunLogSinks;
  private width = 0;

  constructor(sinks: RunLogSinks = { events: new ByteSink(), metrics: new ByteSink() }) {
    this.sinks = sinks;
  }

  begin(columns: readonly string[]): void {
    this.width = columns.length;
    this.sinks.metrics.write(['time', 'seq', ...columns].join(','));
    this.sinks.metrics.writeByte(NEWLINE);
  }

  event(e: SimEvent, metrics: Float64Array, offset: number): void {
    const line = JSON.stringify({ time: e.time, priority: e.priority, seq: e.seq, type: e.type, source: e.source, target: e.target, payload: e.payload });
    const events = this.sinks.events;
    const at = events.length;
    events.write(line);
    events.writeByte(NEWLINE);
    const row = this.sinks.metrics;
    // The line starts `{"time":<number>,`, in ASCII, so those characters are
    // those bytes; no number contains a comma.
    row.append(events, at + 8, at + line.indexOf(',', 8));
    row.writeByte(COMMA);
    row.writeNumber(e.seq);
    for (let i = offset, end = offset + this.width; i < end; i++) {
      row.writeByte(COMMA);
      row.writeNumber(metrics[i] as number);
    }
    row.writeByte(NEWLINE);
  }

  finish(): TraceOutput {
    return [
      ['events.jsonl', this.sinks.events.bytes()],
      ['metrics.csv', this.sinks.metrics.bytes()],
    ];
  }
}

/** A trace's files by name, event log first: views of the writer's memory (valid until its sinks are reused), or files it staged. */
export type TraceOutput = readonly (readonly [string, Uint8Array | StagedFile])[];

/** The engine's observer that writes a run's trace; finish() once the run has ended. */
export interface TraceWriter extends RunObserver {
  finish(): TraceOutput;
}

/** Where the sampled writer puts the rows it keeps: metrics.csv or metrics.parquet. */
export interface MetricRowOutput {
  begin(columns: readonly string[]): void;
  row(time: number, seq: number, values: Float64Array): void;
  finish(): TraceOutput;
}

/** metrics.csv rows, each cell as String() writes it (which the complete trace's time, from JSON.stringify, and cells also are). */
export class CsvMetricRows implements MetricRowOutput {
  readonly #sink: ByteSink;

  constructor(sink: ByteSink = new ByteSink()) {
    this.#sink = sink;
  }

  begin(columns: readonly string[]): void {
    this.#sink.write(['time', 'seq', ...columns].join(','));
    this.#sink.writeByte(NEWLINE);
  }

  row(time: number, seq: number, values: Float64Array): void {
    const row = this.#sink;
    row.writeNumber(time);
    row.writeByte(COMMA);
    row.writeNumber(seq);
    for (let i = 0; i < values.length; i++) {
      row.writeByte(COMMA);
      row.writeNumber(values[i] as number);
    }
    row.writeByte(NEWLINE);
  }

  finish(): TraceOutput {
    return [['metrics.csv', this.#sink.bytes()]];
  }
}

/**
 * The metrics at trace level sampled or final: some rows of the complete
 * trace, value for value, and no event log. Sampled by time, a row is the
 * one in force at each multiple of `every` (the row after the last event at
 * or before it, written once a later event shows it was the last); by
 * events, the row after every `every`-th event. Every level ends with the
 * last row, so the final values are always in the trace.
 */
export class SampledTraceWriter implements TraceWriter {
  private readonly out: MetricRowOutput;
  private readonly every: number;
  private readonly byTime: boolean;
  private readonly byEvents: boolean;
  readonly lastOnly: boolean;
  private width = 0;
  private last = new Float64Array(0);
  private lastTime = 0;
  private lastSeq = 0;
  private lastWritten = true;
  private count = 0;
  /** By time: the next multiple of every whose row is not yet known. */
  private boundary = 0;

  constructor(trace: RunTrace, out: MetricRowOutput = new CsvMetricRows()) {
    this.out = out;
    // Level final samples nothing: only the last row is written.
    this.every = trace.every ?? 0;
    this.byEvents = trace.level === 'sampled' && trace.unit === 'events';
    this.byTime = trace.level === 'sampled' && !this.byEvents;
    this.lastOnly = trace.level === 'final';
  }

  begin(columns: readonly string[]): void {
    this.width = columns.length;
    this.last = new Float64Array(this.width);
    this.out.begin(columns);
  }

  event(e: SimEvent, metrics: Float64Array, offset: number): void {
    if (this.byTime && e.time > this.boundary) {
      // The previous row was in force at the boundary (and at any others this event skips over).
      if (!this.lastWritten) this.writeLast();
      this.boundary = Math.ceil(e.time / this.every) * this.every;
    }
    this.count++;
    // The engine may reuse the row's memory for the next event's: keep a copy (a loop: subarray would allocate).
    const last = this.last;
    for (let i = 0; i < this.width; i++) last[i] = metrics[offset + i] as number;
    this.lastTime = e.time;
    this.lastSeq = e.seq;
    this.lastWritten = false;
    if (this.byEvents && this.count % this.every === 0) this.writeLast();
  }

  finish(): TraceOutput {
    if (!this.lastWritten) this.writeLast();
    return this.out.finish();
  }

  private writeLast(): void {
    this.out.row(this.lastTime, this.lastSeq, this.last);
    this.lastWritten = true;
  }
}

/** Both files from a kept log (tests, and runs that keep their log anyway). */
export function formatRunLog(log: RunLog & { readonly metrics: MetricTable }, sinks?: RunLogSinks): RunLogSinks {
  const writer = new RunLogWriter(sinks);
  const table = log.metrics;
  writer.begin(table.columns);
  const values = table.values();
  for (let i = 0; i < log.events.length; i++) writer.event(log.events[i] as SimEvent, values, i * table.width);
  return writer.sinks;
}
