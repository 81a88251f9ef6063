import { zstdCompressSync, zstdDecompressSync, constants as zlib } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { RunObserver } from '../engine/simulation.ts';
import type { SimEvent } from '../sdk/module.ts';
import { ByteSink } from './byte-sink.ts';
import { ChunkWriter } from './chunk-writer.ts';

// The complete trace as two Parquet files, typed and compressed, written a
// row group at a time as the run executes: events.parquet (time, priority,
// seq, type, source, target, payload as its JSON text) and metrics.parquet
// (time, seq, a column per metric). The text files are a function of them:
// traceToText gives events.jsonl and metrics.csv byte for byte as the text
// writer (format-run-log.ts) writes them for the same run. Chosen over Arrow
// IPC by bench/trace-formats.ts (docs/benchmarks.md): smaller for the same
// CPU, and hyparquet-writer is already the results tables' writer.
//
// Not yet a trace format of the spec: the run, its validation, resume, the
// report and `swarmlab export` do not use it yet (issue 15).

/** Rows per row group: what the writer holds before it encodes them. */
export const TRACE_ROW_GROUP = 65_536;
// Level 1: on the M/M/1 trace both faster and smaller than the default 3 (23.8 against 24.9 bytes an event).
const ZSTD_LEVEL = 1;
const CREATED_BY = 'swarmlab trace';

export const EVENT_COLUMNS = ['time', 'priority', 'seq', 'type', 'source', 'target', 'payload'] as const;

const zstd = (b: Uint8Array): Uint8Array => new Uint8Array(zstdCompressSync(b, { params: { [zlib.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }));
const unzstd = (b: Uint8Array): Uint8Array => new Uint8Array(zstdDecompressSync(b));

/** One Parquet file written a row group at a time into chunks (no growing buffer copied). */
class RowGroupFile {
  readonly #sink = new ChunkWriter();
  readonly #writer: ParquetWriter;
  readonly #types: readonly ColumnSource['type'][];
  readonly #names: readonly string[];

  constructor(names: readonly string[], types: readonly ColumnSource['type'][]) {
    this.#names = names;
    this.#types = types;
    const schema = schemaFromColumnData({ columnData: names.map((name, i) => ({ name, type: types[i], nullable: false, data: [] })) });
    this.#writer = new ParquetWriter({ writer: this.#sink, schema, codec: 'ZSTD', compressors: { ZSTD: zstd }, createdBy: CREATED_BY });
  }

  writeGroup(columns: readonly ColumnSource['data'][], rows: number): void {
    if (rows === 0) return;
    // Statistics (min and max per row group) for time only, which readers filter on; for every column they cost as much as the encoding.
    const columnData = this.#names.map((name, i): ColumnSource => ({ name, type: this.#types[i], nullable: false, data: columns[i] as ColumnSource['data'], statistics: name === 'time' }));
    void this.#writer.write({ columnData, rowGroupSize: rows });
    this.#sink.flush();
  }

  finish(): Buffer {
    this.#writer.finish();
    return this.#sink.bytes();
  }
}

/**
 * The engine's observer that writes the complete trace as Parquet. Holds at
 * most one row group of rows; the encoded groups (about a tenth of the
 * text) are kept in memory until finish().
 */
export class ParquetTraceWriter implements RunObserver {
  #events: RowGroupFile | undefined;
  #metrics: RowGroupFile | undefined;
  #width = 0;
  #rows = 0;
  #time = new Float64Array(TRACE_ROW_GROUP);
  #priority = new Float64Array(TRACE_ROW_GROUP);
  #seq: bigint[] = [];
  #type: string[] = [];
  #source: string[] = [];
  #target: string[] = [];
  #payload: string[] = [];
  #values: Float64Array[] = [];

  begin(columns: readonly string[]): void {
    this.#width = columns.length;
    this.#values = columns.map(() => new Float64Array(TRACE_ROW_GROUP));
    this.#events = new RowGroupFile(EVENT_COLUMNS, ['DOUBLE', 'DOUBLE', 'INT64', 'STRING', 'STRING', 'STRING', 'STRING']);
    this.#metrics = new RowGroupFile(['time', 'seq', ...columns], ['DOUBLE', 'INT64', ...columns.map(() => 'DOUBLE' as const)]);
  }

  event(e: SimEvent, metrics: Float64Array, offset: number): void {
    const r = this.#rows++;
    this.#time[r] = e.time;
    this.#priority[r] = e.priority;
    this.#seq.push(BigInt(e.seq));
    this.#type.push(e.type);
    this.#source.push(e.source);
    this.#target.push(e.target);
    this.#payload.push(JSON.stringify(e.payload));
    for (let c = 0; c < this.#width; c++) (this.#values[c] as Float64Array)[r] = metrics[offset + c] as number;
    if (this.#rows === TRACE_ROW_GROUP) this.#flush();
  }

  /** The two files; the writer is done. */
  finish(): { events: Buffer; metrics: Buffer } {
    this.#flush();
    if (!this.#events || !this.#metrics) throw new Error('ParquetTraceWriter: finish() before begin()');
    return { events: this.#events.finish(), metrics: this.#metrics.finish() };
  }

  #flush(): void {
    const n = this.#rows;
    if (n === 0) return;
    const time = this.#time.slice(0, n);
    this.#events?.writeGroup([time, this.#priority.slice(0, n), this.#seq, this.#type, this.#source, this.#target, this.#payload], n);
    this.#metrics?.writeGroup([time, this.#seq, ...this.#values.map((v) => v.slice(0, n))], n);
    this.#rows = 0;
    this.#seq = [];
    this.#type = [];
    this.#source = [];
    this.#target = [];
    this.#payload = [];
  }
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/**
 * events.jsonl and metrics.csv from the Parquet trace, byte for byte as the
 * text writer writes them: each number as String() (which JSON.stringify
 * writes for finite numbers), each string as JSON.stringify, the payload's
 * JSON text as stored. Reads a row group at a time.
 */
export async function traceToText(eventsParquet: Buffer, metricsParquet: Buffer): Promise<{ events: Buffer; metrics: Buffer }> {
  const events = new ByteSink();
  for await (const rows of rowGroups(eventsParquet, [...EVENT_COLUMNS])) {
    for (const r of rows) {
      events.write(`{"time":${String(r['time'])},"priority":${String(r['priority'])},"seq":${String(r['seq'])},"type":${JSON.stringify(r['type'])},"source":${JSON.stringify(r['source'])},"target":${JSON.stringify(r['target'])},"payload":${String(r['payload'])}}`);
      events.writeByte(NEWLINE);
    }
  }
  const columns = parquetMetadata(toArrayBuffer(metricsParquet)).schema.slice(1).map((s) => s.name);
  const metrics = new ByteSink();
  metrics.write(columns.join(','));
  metrics.writeByte(NEWLINE);
  for await (const rows of rowGroups(metricsParquet, columns)) {
    for (const r of rows) {
      columns.forEach((c, i) => {
        if (i > 0) metrics.writeByte(COMMA);
        metrics.writeNumber(Number(r[c]));
      });
      metrics.writeByte(NEWLINE);
    }
  }
  return { events: Buffer.from(events.bytes()), metrics: Buffer.from(metrics.bytes()) };
}

async function* rowGroups(file: Buffer, columns: string[]): AsyncGenerator<Record<string, unknown>[]> {
  const buffer = toArrayBuffer(file);
  const metadata = parquetMetadata(buffer);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    yield await parquetReadObjects({ file: buffer, metadata, columns, rowStart: start, rowEnd: end, compressors: { ZSTD: unzstd } });
    start = end;
  }
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
