import { ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { SimEvent } from '../sdk/module.ts';
import { ByteSink } from './byte-sink.ts';
import { PAYLOAD_FIELD_PREFIX, PAYLOAD_KEYS_COLUMN, PayloadFieldWriter } from './payload-fields.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { grown } from './grown.ts';
import { ColumnEncoder, layoutOf, pageBytes, writeColumnChunks, type ChunkLayout, type EncodedChunk } from './parquet-column-chunk.ts';
import { TraceThread } from './trace-thread.ts';
import { zstd } from './zstd.ts';
import type { MetricRowOutput, TraceOutput, TraceWriter } from './format-run-log.ts';
import { SpooledFile, type StagedFile, type StagingArea } from './staged-file.ts';
import { TRACE_FILE_NAMES } from './trace-files.ts';
import { EventRowChecks, MetricRowChecks, recordCheckedAsWritten } from './trace-row-checks.ts';

const EVENTS_FILE = TRACE_FILE_NAMES.parquet.events;
const METRICS_FILE = TRACE_FILE_NAMES.parquet.metrics;

// A run's trace as Parquet, typed and compressed, written a row group at a
// time as the run executes: events.parquet (time, priority, seq, type,
// source, target, then the payload: as typed fields where it is a few
// numbers, else as its JSON text, payload-fields.ts; complete trace only) and
// metrics.parquet (time, seq, a column per metric). The text files are a
// function of them: the trace reader's writeText gives events.jsonl and
// metrics.csv byte for byte as the text writer (format-run-log.ts) writes
// them for the same run.
// Chosen over Arrow IPC by bench/trace-formats.ts (docs/benchmarks.md):
// smaller for the same CPU, and hyparquet-writer is already the results
// tables' writer.

/** Rows per row group: what the writer holds before it encodes them. */
export const TRACE_ROW_GROUP = 65_536;
/**
 * Rows the writer's arrays hold at first; they double as a run's rows
 * outgrow them, up to a row group. Most runs of a big sweep are short: a run
 * of 36 events made the arrays of a full group, about 10 MB, for nothing.
 */
const FIRST_CAPACITY = 1024;

/** The next capacity of a writer's arrays that hold `capacity` rows. */
function nextCapacity(capacity: number): number {
  return Math.min(2 * capacity, TRACE_ROW_GROUP);
}

function strings(capacity: number, from: readonly string[] = []): string[] {
  const out = new Array<string>(capacity).fill('');
  for (let i = 0; i < from.length; i++) out[i] = from[i] as string;
  return out;
}
const CREATED_BY = 'swarmlab trace';

/** events.parquet: these, then payload_keys (STRING) and an optional DOUBLE column per typed payload field (payload-fields.ts). */
export const EVENT_COLUMNS = ['time', 'priority', 'seq', 'type', 'source', 'target', 'payload'] as const;
export const EVENT_TYPES: readonly ColumnSource['type'][] = ['DOUBLE', 'DOUBLE', 'INT64', 'STRING', 'STRING', 'STRING', 'STRING'];
// Encodings, chosen rather than searched for per row group: the addresses and types repeat, so a
// dictionary; payloads rarely repeat, so plain bytes; numbers plain, for zstd (ParquetTraceWriter's #flush).
/** The columns of an events.parquet with payload fields: these, after EVENT_COLUMNS. */
export function payloadColumns(fields: readonly string[]): string[] {
  return [PAYLOAD_KEYS_COLUMN, ...fields.map((k) => `${PAYLOAD_FIELD_PREFIX}${k}`)];
}

/**
 * The typed payload fields of an events.parquet with these columns (none,
 * and no payload_keys, in one written before they existed), or what is wrong
 * with its columns.
 */
export function eventFileFields(columns: readonly string[]): { readonly keysColumn: boolean; readonly fields: readonly string[] } | string {
  const wrong = `the columns must be ${EVENT_COLUMNS.join(', ')}, then ${PAYLOAD_KEYS_COLUMN} and a ${PAYLOAD_FIELD_PREFIX}<key> column per typed payload field`;
  if (columns.slice(0, EVENT_COLUMNS.length).join('\0') !== EVENT_COLUMNS.join('\0')) return wrong;
  const rest = columns.slice(EVENT_COLUMNS.length);
  if (rest.length === 0) return { keysColumn: false, fields: [] };
  if (rest[0] !== PAYLOAD_KEYS_COLUMN || !rest.slice(1).every((c) => c.startsWith(PAYLOAD_FIELD_PREFIX))) return wrong;
  return { keysColumn: true, fields: rest.slice(1).map((c) => c.slice(PAYLOAD_FIELD_PREFIX.length)) };
}

/** metrics.parquet: these, then one DOUBLE column per metric. */
export const METRIC_KEY_COLUMNS = ['time', 'seq'] as const;
export const METRIC_KEY_TYPES: readonly ColumnSource['type'][] = ['DOUBLE', 'INT64'];

const ENCODER = new ColumnEncoder();

/** A row group whose pages another thread is compressing. */
interface PendingGroup {
  readonly rows: number;
  readonly chunks: readonly ChunkLayout[];
  readonly thread: TraceThread;
  readonly ticket: number;
}

/**
 * One Parquet file written a row group at a time: in memory while it is
 * small, then into a staging file as it goes (the run's memory holds the
 * spill size and about two encoded groups at most), or, without a staging
 * area, in memory whatever its size (tests, in-process runs).
 * A full row group is compressed on another thread (trace-thread.ts)
 * and written when the next one is, or at finish(); a run shorter than a
 * group compresses its one group itself. The column chunks are
 * parquet-column-chunk.ts's; the file's frame and footer are hyparquet-writer's.
 */
class RowGroupFile {
  readonly #sink: ChunkWriter;
  readonly #writer: ParquetWriter;
  readonly #names: readonly string[];
  readonly #file: SpooledFile;
  #pending: PendingGroup | undefined;

  /** `optional`: the columns that may hold nulls; the others are required. */
  constructor(file: string, names: readonly string[], types: readonly ColumnSource['type'][], staging?: StagingArea, optional: readonly string[] = []) {
    this.#names = names;
    const spooled = staging?.spool(file) ?? new SpooledFile();
    this.#file = spooled;
    this.#sink = new ChunkWriter((part) => spooled.append(part));
    const schema = schemaFromColumnData({ columnData: names.map((name, i) => ({ name, type: types[i], nullable: optional.includes(name), data: [] })) });
    this.#writer = new ParquetWriter({ writer: this.#sink, schema, codec: 'ZSTD', compressors: { ZSTD: zstd }, createdBy: CREATED_BY });
  }

  /** One row group of `rows` rows: `encode` encodes its column chunks, in schema order, from arrays the caller may write over once this returns. */
  writeGroup(rows: number, encode: (columns: ColumnEncoder) => EncodedChunk[]): void {
    if (rows === 0) return;
    const chunks = encode(ENCODER);
    const names = chunks.map((c) => c.name);
    if (names.join('\0') !== this.#names.join('\0')) throw new Error(`trace row group: columns (${names.join(', ')}), expected (${this.#names.join(', ')})`);
    this.#writePending();
    const thread = rows >= TRACE_ROW_GROUP ? TraceThread.shared() : undefined;
    // The pending group keeps no page bytes: held across many young-generation collections, they went to the old generation and piled up there.
    if (thread) this.#pending = { rows, chunks: layoutOf(chunks), thread, ticket: thread.submit(pageBytes(chunks)) };
    else this.#write(rows, chunks, pageBytes(chunks).map(zstd));
  }

  finish(): Buffer | StagedFile {
    this.#writePending();
    void this.#writer.finish();
    return this.#file.finish();
  }

  #writePending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    pending.thread.take(pending.ticket, (compressed) => this.#write(pending.rows, pending.chunks, compressed));
  }

  #write(rows: number, chunks: readonly ChunkLayout[], compressed: readonly Uint8Array[]): void {
    const start = this.#sink.offset;
    const written = writeColumnChunks(this.#sink, chunks, compressed);
    this.#writer.row_groups.push({
      columns: written.map((w) => w.chunk),
      total_byte_size: BigInt(written.reduce((n, w) => n + w.uncompressedSize, 0)),
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(this.#sink.offset - start),
    });
    this.#writer.num_rows += BigInt(rows);
    this.#sink.flush();
  }
}

/**
 * An INT64 column of whole numbers below 2^53, kept as the two 32-bit words
 * of each value (low first): little-endian INT64 as PLAIN lays it out, and no
 * BigInt is made per row.
 */
class Int64Column {
  #words = new Uint32Array(2 * FIRST_CAPACITY);

  grow(capacity: number): void {
    this.#words = grown(this.#words, 2 * capacity);
  }

  set(row: number, value: number): void {
    this.#words[2 * row] = value % 0x1_0000_0000;
    this.#words[2 * row + 1] = Math.floor(value / 0x1_0000_0000);
  }

  /** Rows [0, n): a view, valid until the column is written again. */
  view(n: number): Uint32Array {
    return this.#words.subarray(0, 2 * n);
  }
}

/** A string column written as UTF-8 into one buffer in PLAIN layout (each row its 4-byte length, then its bytes): no string kept, no encoder call per row. */
class PlainStringColumn {
  readonly #sink = new ByteSink(16 << 10);

  add(text: string): void {
    // Most rows of a trace with typed payloads have no text: their length alone, without a call to the UTF-8 encoder.
    if (text === '') return this.#sink.writeUint32LE(0);
    const at = this.#sink.length;
    this.#sink.writeUint32LE(0);
    this.#sink.write(text);
    this.#sink.setUint32LE(at, this.#sink.length - at - 4);
  }

  /** The rows so far: a view, valid until reset(). */
  bytes(): Uint8Array {
    return this.#sink.bytes();
  }

  reset(): void {
    this.#sink.reset();
  }
}

/** metrics.parquet, a row group of rows held at a time: the complete trace's metrics, or the rows a sampled trace keeps. */
export class ParquetMetricRows implements MetricRowOutput {
  readonly #staging: StagingArea | undefined;
  #file: RowGroupFile | undefined;
  #rows = 0;
  #capacity = FIRST_CAPACITY;
  #time = new Float64Array(FIRST_CAPACITY);
  readonly #seq = new Int64Column();
  #values: Float64Array[] = [];
  #names: readonly string[] = [];
  #checks = new MetricRowChecks([]);

  constructor(staging?: StagingArea) {
    this.#staging = staging;
  }

  begin(columns: readonly string[]): void {
    this.#values = columns.map(() => new Float64Array(this.#capacity));
    const names = [...METRIC_KEY_COLUMNS, ...columns];
    this.#file = new RowGroupFile(METRICS_FILE, names, [...METRIC_KEY_TYPES, ...columns.map(() => 'DOUBLE' as const)], this.#staging);
    this.#names = columns;
    this.#checks = new MetricRowChecks(columns);
  }

  row(time: number, seq: number, values: Float64Array, offset = 0): void {
    this.#checks.row(time, seq, values, offset);
    const r = this.#rows++;
    if (r === this.#capacity) this.#grow();
    this.#time[r] = time;
    this.#seq.set(r, seq);
    const columns = this.#values;
    for (let c = 0; c < columns.length; c++) (columns[c] as Float64Array)[r] = values[offset + c] as number;
    if (this.#rows === TRACE_ROW_GROUP) this.#flush();
  }

  finish(): TraceOutput {
    this.#flush();
    if (!this.#file) throw new Error('ParquetMetricRows: finish() before begin()');
    const file = this.#file.finish();
    recordCheckedAsWritten(file, this.#checks.scan());
    return [[METRICS_FILE, file]];
  }

  #grow(): void {
    this.#capacity = nextCapacity(this.#capacity);
    this.#time = grown(this.#time, this.#capacity);
    this.#seq.grow(this.#capacity);
    this.#values = this.#values.map((v) => grown(v, this.#capacity));
  }

  #flush(): void {
    const n = this.#rows;
    if (n === 0) return;
    // Statistics (min and max per row group) for time only, which readers filter on.
    this.#file?.writeGroup(n, (c) => [
      c.double('time', this.#time.subarray(0, n), true),
      c.int64('seq', this.#seq.view(n)),
      ...this.#values.map((v, i) => c.double(this.#names[i] as string, v.subarray(0, n), false)),
    ]);
    this.#rows = 0;
  }
}

/**
 * The engine's observer that writes the complete trace as Parquet. Holds at
 * most one row group of rows; the encoded groups go to the staging area as
 * they are made (without one, they are kept in memory until finish()).
 */
export class ParquetTraceWriter implements TraceWriter {
  readonly #staging: StagingArea | undefined;
  #events: RowGroupFile | undefined;
  readonly #metrics: ParquetMetricRows;
  #rows = 0;
  #capacity = FIRST_CAPACITY;
  #time = new Float64Array(FIRST_CAPACITY);
  #priority = new Float64Array(FIRST_CAPACITY);
  readonly #seq = new Int64Column();
  // Filled by index and reused group after group: arrays grown by push were most of what a run promoted to the old generation.
  #type = strings(FIRST_CAPACITY);
  #source = strings(FIRST_CAPACITY);
  #target = strings(FIRST_CAPACITY);
  readonly #payload = new PlainStringColumn();
  #payloadKeys = strings(FIRST_CAPACITY);
  readonly #fields = new PayloadFieldWriter(FIRST_CAPACITY);
  readonly #checks = new EventRowChecks();
  #begun = false;

  constructor(staging?: StagingArea) {
    this.#staging = staging;
    this.#metrics = new ParquetMetricRows(staging);
  }

  begin(columns: readonly string[]): void {
    this.#begun = true;
    this.#metrics.begin(columns);
  }

  event(e: SimEvent, metrics: Float64Array, offset: number): void {
    const r = this.#rows++;
    if (r === this.#capacity) this.#grow();
    this.#time[r] = e.time;
    this.#priority[r] = e.priority;
    this.#seq.set(r, e.seq);
    this.#type[r] = e.type;
    this.#source[r] = e.source;
    this.#target[r] = e.target;
    const keys = this.#fields.add(r, e.payload);
    let isObject = true;
    if (keys === undefined) {
      // JSON.stringify writes valid JSON (lone surrogates escaped), so text that opens with a brace is an object's.
      const payload = JSON.stringify(e.payload) as string | undefined;
      this.#payload.add(payload ?? '');
      this.#payloadKeys[r] = '';
      isObject = payload?.charCodeAt(0) === 0x7b;
    } else {
      this.#payload.add('');
      this.#payloadKeys[r] = keys;
    }
    this.#checks.row(e.time, e.priority, e.seq, e.type.length, e.source.length, e.target.length, isObject);
    this.#metrics.row(e.time, e.seq, metrics, offset);
    if (this.#rows === TRACE_ROW_GROUP) this.#flush();
  }

  /** The two files, event log first; the writer is done. */
  finish(): TraceOutput {
    if (!this.#begun) throw new Error('ParquetTraceWriter: finish() before begin()');
    this.#flush();
    const events = this.#file().finish();
    recordCheckedAsWritten(events, this.#checks.scan());
    return [[EVENTS_FILE, events], ...this.#metrics.finish()];
  }

  #grow(): void {
    const c = nextCapacity(this.#capacity);
    this.#capacity = c;
    this.#time = grown(this.#time, c);
    this.#priority = grown(this.#priority, c);
    this.#seq.grow(c);
    this.#type = strings(c, this.#type);
    this.#source = strings(c, this.#source);
    this.#target = strings(c, this.#target);
    this.#payloadKeys = strings(c, this.#payloadKeys);
    this.#fields.grow(c);
  }

  /** events.parquet, made at the first row group: its columns are the payload fields that group has. */
  #file(): RowGroupFile {
    if (this.#events === undefined) {
      const [keys, ...fields] = payloadColumns(this.#fields.keys);
      this.#events = new RowGroupFile(EVENTS_FILE, [...EVENT_COLUMNS, keys as string, ...fields], [...EVENT_TYPES, 'STRING', ...fields.map(() => 'DOUBLE' as const)], this.#staging, fields);
    }
    return this.#events;
  }

  #flush(): void {
    const n = this.#rows;
    if (n === 0) return;
    const fields = this.#fields;
    this.#file().writeGroup(n, (c) => [
      c.double('time', this.#time.subarray(0, n), true),
      c.double('priority', this.#priority.subarray(0, n), false),
      c.int64('seq', this.#seq.view(n)),
      c.dictionary('type', this.#type, n),
      c.dictionary('source', this.#source, n),
      c.dictionary('target', this.#target, n),
      c.byteArray('payload', this.#payload.bytes(), n),
      ...payloadColumns(fields.keys).map((name, i) => {
        if (i === 0) return c.dictionary(name, this.#payloadKeys, n);
        const f = fields.field(i - 1, n);
        return c.optionalDouble(name, f.values, f.defined);
      }),
    ]);
    fields.reset(n);
    this.#rows = 0;
    this.#payload.reset();
  }
}
