import type { RunObserver } from '../engine/simulation.ts';
import type { RunLog, SimEvent } from '../sdk/module.ts';
import type { MetricTable } from '../engine/metric-table.ts';
import { ByteSink } from './byte-sink.ts';

export interface RunLogSinks {
  /** events.jsonl: one JSON object per executed event, keys in schema order. */
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
export class RunLogWriter implements RunObserver {
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
