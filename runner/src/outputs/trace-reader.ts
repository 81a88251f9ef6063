import type { SimEvent } from '../sdk/module.ts';
import type { JsonObject } from '../sdk/json.ts';
import type { TraceFormat } from '../spec/experiment.ts';
import type { DecodedArray } from 'hyparquet';
import { ByteSink } from './byte-sink.ts';
import { StagedFile } from './staged-file.ts';
import { numberValue, scanFiniteNumber } from './json-scan.ts';
import { columnNames, openParquet, readColumns, rowGroupRanges, type ParquetFile, type RangeSource } from './parquet-columns.ts';
import { EVENT_COLUMNS, eventFileFields, METRIC_KEY_COLUMNS, payloadColumns } from './trace-parquet.ts';
import { PayloadFieldReader } from './payload-fields.ts';
import { TRACE_FILE_NAMES, traceFormatOfFiles } from './trace-files.ts';

/** A trace file that cannot be read as its format says: names the file. */
export class TraceReadError extends Error {
  readonly file: string;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

/** Rows [start, start + length) of some metrics, a column each: what a whole-trace pass reads without an object per row. */
export interface MetricColumns {
  readonly length: number;
  readonly time: ArrayLike<number>;
  /** One column per metric asked for, in the order asked. */
  readonly values: readonly ArrayLike<number>[];
}

export interface MetricRow {
  readonly time: number;
  readonly seq: number;
  /** One value per metric, in the trace's column order. */
  readonly values: readonly number[];
}

/**
 * A run's trace, whatever its format: the one reader that the report, the
 * modules' checks, `swarmlab export` and the trace's validation read it
 * through. Rows are decoded as they are iterated (a row group of a Parquet
 * trace at a time): memory holds the files, not the decoded trace.
 */
export interface RunTraceReader {
  readonly format: TraceFormat;
  /** Metric names (`instance.key`), in the trace's column order. */
  readonly metrics: readonly string[];
  /** Metrics rows in the trace. */
  readonly length: number;
  /** Whether the trace has an event log (the complete trace). */
  readonly hasEvents: boolean;
  /** Logical time of the last metrics row (0 when there is none). */
  endTime(): Promise<number>;
  metricRows(): AsyncIterable<MetricRow>;
  /** The named metrics' columns with the time column, a block of rows at a time (a row group of a Parquet trace); names must be among `metrics`. */
  metricColumns(names: readonly string[]): AsyncIterable<MetricColumns>;
  /** The executed events in order; none without an event log. */
  events(): AsyncIterable<SimEvent>;
  /**
   * The trace as the text format writes it, byte for byte (events.jsonl when
   * there is an event log, and metrics.csv), handed over a part at a time.
   */
  writeText(out: TextTraceOutput): Promise<void>;
}

/** Receives the text trace's bytes in order, a part at a time; a part is valid only during the call. */
export interface TextTraceOutput {
  events(part: Uint8Array): void | Promise<void>;
  metrics(part: Uint8Array): void | Promise<void>;
}

/** A run's files by name (a run's RunFiles, or files read from a store): bytes in memory, staged files, or stored files read by range. */
export interface TraceFiles {
  source(name: string): TraceSource | undefined;
  names(): Iterable<string>;
}

export type TraceSource = Buffer | StagedFile | RangeSource;

/** Opens a run's trace in the format of the files it has; rejects with TraceReadError when a file is missing or unreadable. */
export async function openTrace(files: TraceFiles): Promise<RunTraceReader> {
  return traceFormatOfFiles(files.names()) === 'parquet' ? ParquetTrace.open(files) : TextTrace.open(files);
}

/** A text trace is parsed from its bytes in memory. */
async function inMemory(source: TraceSource | undefined): Promise<Buffer | undefined> {
  if (source === undefined || source instanceof Uint8Array) return source;
  if (source instanceof StagedFile) return source.read();
  return Buffer.from(await source.slice(0, source.byteLength));
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

class TextTrace implements RunTraceReader {
  readonly format = 'text';
  readonly metrics: readonly string[];
  readonly hasEvents: boolean;
  readonly #csv: Buffer;
  readonly #log: Buffer | undefined;
  readonly #width: number;
  readonly #starts: number[] = [];

  static async open(files: TraceFiles): Promise<TextTrace> {
    const names = TRACE_FILE_NAMES.text;
    const csv = await inMemory(files.source(names.metrics));
    if (csv === undefined) throw new TraceReadError(names.metrics, 'missing');
    return new TextTrace(csv, await inMemory(files.source(names.events)));
  }

  private constructor(csv: Buffer, log: Buffer | undefined) {
    this.#csv = csv;
    this.#log = log;
    this.hasEvents = log !== undefined;
    const headerEnd = csv.indexOf(NEWLINE);
    const header = csv.toString('utf8', 0, headerEnd < 0 ? csv.length : headerEnd).split(',');
    if (header[0] !== 'time' || header[1] !== 'seq') throw new TraceReadError(TRACE_FILE_NAMES.text.metrics, 'header must start with time,seq');
    this.metrics = header.slice(2);
    this.#width = header.length;
    for (let s = headerEnd + 1; s > 0 && s < csv.length; ) {
      this.#starts.push(s);
      const nl = csv.indexOf(NEWLINE, s);
      s = nl < 0 ? csv.length : nl + 1;
    }
  }

  get length(): number {
    return this.#starts.length;
  }

  async endTime(): Promise<number> {
    return this.#starts.length === 0 ? 0 : this.#row(this.#starts.length - 1).time;
  }

  async *metricRows(): AsyncIterable<MetricRow> {
    for (let i = 0; i < this.#starts.length; i++) yield this.#row(i);
  }

  async *metricColumns(names: readonly string[]): AsyncIterable<MetricColumns> {
    const at = names.map((n) => this.metrics.indexOf(n));
    const time = new Float64Array(this.length);
    const values = at.map(() => new Float64Array(this.length));
    for (let i = 0; i < this.length; i++) {
      const row = this.#row(i);
      time[i] = row.time;
      at.forEach((c, k) => ((values[k] as Float64Array)[i] = row.values[c] as number));
    }
    yield { length: this.length, time, values };
  }

  async *events(): AsyncIterable<SimEvent> {
    const b = this.#log;
    if (b === undefined) return;
    for (let start = 0, line = 1; start < b.length; line++) {
      const nl = b.indexOf(NEWLINE, start);
      const end = nl < 0 ? b.length : nl;
      try {
        yield JSON.parse(b.toString('utf8', start, end)) as SimEvent;
      } catch {
        throw new TraceReadError(TRACE_FILE_NAMES.text.events, `line ${line}: not JSON`);
      }
      start = end + 1;
    }
  }

  async writeText(out: TextTraceOutput): Promise<void> {
    if (this.#log !== undefined) await out.events(this.#log);
    await out.metrics(this.#csv);
  }

  #row(i: number): MetricRow {
    const b = this.#csv;
    const start = this.#starts[i] as number;
    const nl = b.indexOf(NEWLINE, start);
    const end = nl < 0 ? b.length : nl;
    const row = parseRow(b, start, end, this.#width);
    if (row !== undefined) return row;
    const cells = b.toString('utf8', start, end).split(',');
    if (cells.length !== this.#width) throw new TraceReadError(TRACE_FILE_NAMES.text.metrics, `line ${i + 2}: ${cells.length} cells, header has ${this.#width}`);
    return { time: Number(cells[0]), seq: Number(cells[1]), values: cells.slice(2).map(Number) };
  }
}

/**
 * A row as the runner writes it (`width` finite numbers, comma-separated),
 * read from the bytes without making strings; undefined for any other row,
 * which the text path then reads or refuses.
 */
function parseRow(b: Buffer, start: number, end: number, width: number): MetricRow | undefined {
  const values = new Array<number>(width - 2);
  let time = 0;
  let seq = 0;
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
    else if (cell === 1) seq = v;
    else values[cell - 2] = v;
    at = z;
  }
  return at === end ? { time, seq, values } : undefined;
}

class ParquetTrace implements RunTraceReader {
  readonly format = 'parquet';
  readonly metrics: readonly string[];
  readonly hasEvents: boolean;
  readonly #metrics: ParquetFile;
  readonly #events: ParquetFile | undefined;
  #eventColumns: readonly string[] = EVENT_COLUMNS;
  #payloads = new PayloadFieldReader([]);

  static async open(files: TraceFiles): Promise<ParquetTrace> {
    const names = TRACE_FILE_NAMES.parquet;
    const metrics = files.source(names.metrics);
    if (metrics === undefined) throw new TraceReadError(names.metrics, 'missing');
    const events = files.source(names.events);
    return new ParquetTrace(await parse(names.metrics, metrics), events === undefined ? undefined : await parse(names.events, events));
  }

  private constructor(metrics: ParquetFile, events: ParquetFile | undefined) {
    this.#metrics = metrics;
    this.#events = events;
    this.hasEvents = events !== undefined;
    const columns = columnNames(metrics);
    if (columns[0] !== METRIC_KEY_COLUMNS[0] || columns[1] !== METRIC_KEY_COLUMNS[1]) throw new TraceReadError(TRACE_FILE_NAMES.parquet.metrics, 'the columns must start with time, seq');
    this.metrics = columns.slice(2);
    if (events !== undefined) {
      const layout = eventFileFields(columnNames(events));
      if (typeof layout === 'string') throw new TraceReadError(TRACE_FILE_NAMES.parquet.events, layout);
      this.#eventColumns = layout.keysColumn ? [...EVENT_COLUMNS, ...payloadColumns(layout.fields)] : EVENT_COLUMNS;
      this.#payloads = new PayloadFieldReader(layout.fields);
    }
  }

  get length(): number {
    return Number(this.#metrics.metadata.num_rows);
  }

  async endTime(): Promise<number> {
    const ranges = rowGroupRanges(this.#metrics);
    const last = ranges[ranges.length - 1];
    if (last === undefined || last[1] === last[0]) return 0;
    const [time] = await read(TRACE_FILE_NAMES.parquet.metrics, this.#metrics, [METRIC_KEY_COLUMNS[0]], last[1] - 1, last[1]);
    return Number(time?.[0]);
  }

  async *metricRows(): AsyncIterable<MetricRow> {
    const names = [...METRIC_KEY_COLUMNS, ...this.metrics];
    for (const [start, end] of rowGroupRanges(this.#metrics)) {
      const [time, seq, ...columns] = await read(TRACE_FILE_NAMES.parquet.metrics, this.#metrics, names, start, end);
      for (let r = 0; r < end - start; r++) yield { time: Number(time?.[r]), seq: Number(seq?.[r]), values: columns.map((c) => Number(c[r])) };
    }
  }

  async *metricColumns(names: readonly string[]): AsyncIterable<MetricColumns> {
    for (const [start, end] of rowGroupRanges(this.#metrics)) {
      const [time, ...values] = (await read(TRACE_FILE_NAMES.parquet.metrics, this.#metrics, [METRIC_KEY_COLUMNS[0], ...names], start, end)).map(numbers);
      yield { length: end - start, time: time as Float64Array, values };
    }
  }

  async *events(): AsyncIterable<SimEvent> {
    const file = this.#events;
    if (file === undefined) return;
    const name = TRACE_FILE_NAMES.parquet.events;
    for (const [start, end] of rowGroupRanges(file)) {
      const [time, priority, seq, type, source, target, payload, keys, ...fields] = await read(name, file, this.#eventColumns, start, end);
      for (let r = 0; r < end - start; r++) {
        let body: JsonObject;
        try {
          body = JSON.parse(this.#payloadText(payload, keys, fields, r, start)) as JsonObject;
        } catch (e) {
          throw e instanceof TraceReadError ? e : new TraceReadError(name, `row ${start + r}: payload is not JSON`);
        }
        yield { time: Number(time?.[r]), priority: Number(priority?.[r]), seq: Number(seq?.[r]), type: String(type?.[r]), source: String(source?.[r]), target: String(target?.[r]), payload: body };
      }
    }
  }

  /** Row r's payload as JSON text, from its text or its typed fields (payload-fields.ts). */
  #payloadText(payload: DecodedArray | undefined, keys: DecodedArray | undefined, fields: readonly DecodedArray[], r: number, start: number): string {
    try {
      return this.#payloads.text(String(payload?.[r]), keys === undefined ? '' : String(keys[r]), fields, r);
    } catch (e) {
      throw new TraceReadError(TRACE_FILE_NAMES.parquet.events, `row ${start + r}: ${(e as Error).message}`);
    }
  }

  /**
   * Each number as String() writes it (which JSON.stringify writes for finite
   * numbers), each string as JSON.stringify, the payload's JSON text as stored:
   * what the text writer writes for the same run.
   */
  async writeText(out: TextTraceOutput): Promise<void> {
    const sink = new ByteSink();
    const file = this.#events;
    if (file !== undefined) {
      for (const [start, end] of rowGroupRanges(file)) {
        const [time, priority, seq, type, source, target, payload, keys, ...fields] = await read(TRACE_FILE_NAMES.parquet.events, file, this.#eventColumns, start, end);
        sink.reset();
        for (let r = 0; r < end - start; r++) {
          sink.write(`{"time":${String(time?.[r])},"priority":${String(priority?.[r])},"seq":${String(seq?.[r])},"type":${JSON.stringify(type?.[r])},"source":${JSON.stringify(source?.[r])},"target":${JSON.stringify(target?.[r])},"payload":${this.#payloadText(payload, keys, fields, r, start)}}`);
          sink.writeByte(NEWLINE);
        }
        await out.events(sink.bytes());
      }
    }
    sink.reset();
    sink.write([...METRIC_KEY_COLUMNS, ...this.metrics].join(','));
    sink.writeByte(NEWLINE);
    await out.metrics(sink.bytes());
    const names = [...METRIC_KEY_COLUMNS, ...this.metrics];
    for (const [start, end] of rowGroupRanges(this.#metrics)) {
      const columns = await read(TRACE_FILE_NAMES.parquet.metrics, this.#metrics, names, start, end);
      sink.reset();
      for (let r = 0; r < end - start; r++) {
        for (let c = 0; c < columns.length; c++) {
          if (c > 0) sink.writeByte(COMMA);
          sink.writeNumber(Number((columns[c] as DecodedArray)[r]));
        }
        sink.writeByte(NEWLINE);
      }
      await out.metrics(sink.bytes());
    }
  }
}

/** A DOUBLE column as hyparquet decodes it (a Float64Array when its pages are PLAIN), as numbers. */
function numbers(column: DecodedArray): Float64Array {
  return column instanceof Float64Array ? column : Float64Array.from(column as ArrayLike<unknown>, Number);
}

async function parse(name: string, source: TraceSource): Promise<ParquetFile> {
  try {
    return await openParquet(source);
  } catch (e) {
    throw new TraceReadError(name, `not a Parquet file this runner can read: ${(e as Error).message}`);
  }
}

async function read(name: string, file: ParquetFile, columns: readonly string[], start: number, end: number): ReturnType<typeof readColumns> {
  try {
    return await readColumns(file, columns, start, end);
  } catch (e) {
    throw new TraceReadError(name, `rows ${start}-${end - 1}: ${(e as Error).message}`);
  }
}
