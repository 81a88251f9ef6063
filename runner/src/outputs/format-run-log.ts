import type { RunObserver } from '../engine/simulation.ts';
import type { RunLog, SimEvent } from '../modules/api.ts';
import { ByteSink } from './byte-sink.ts';

export interface RunLogSinks {
  /** events.jsonl: one JSON object per executed event, keys in schema order. */
  readonly events: ByteSink;
  /** metrics.csv: `time,seq,<instance.metric>...`, one row after each executed event. */
  readonly metrics: ByteSink;
}

const NEWLINE = 0x0a;

/**
 * Writes events.jsonl and metrics.csv line by line into byte sinks, as the
 * run executes (it is the engine's observer) or afterwards from a kept log.
 * Formatting was a third of a run's cost, so: each event line is one
 * JSON.stringify (flat, no string ropes), no file is ever one big string, and
 * the metrics row reuses the time as JSON.stringify wrote it instead of
 * formatting the double again.
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
    this.sinks.events.write(line);
    this.sinks.events.writeByte(NEWLINE);
    // The line starts `{"time":<number>,`: no number contains a comma.
    let row = `${line.slice(8, line.indexOf(',', 8))},${e.seq}`;
    for (let at = offset, end = offset + this.width; at < end; at++) row += `,${metrics[at] as number}`;
    this.sinks.metrics.write(row);
    this.sinks.metrics.writeByte(NEWLINE);
  }
}

/** Both files from a kept log (tests, and runs that keep their log anyway). */
export function formatRunLog(log: RunLog, sinks?: RunLogSinks): RunLogSinks {
  const writer = new RunLogWriter(sinks);
  const table = log.metrics;
  writer.begin(table.columns);
  const values = table.values();
  for (let i = 0; i < log.events.length; i++) writer.event(log.events[i] as SimEvent, values, i * table.width);
  return writer.sinks;
}
