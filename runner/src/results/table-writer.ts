import { ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { MemoryChunkWriter } from '../outputs/chunk-writer.ts';
import { cellFor, type Cell, type Column } from './columns.ts';
import { csvLine } from './csv.ts';

/** Rows per Parquet row group, and per batch held before it is encoded. */
export const ROW_GROUP_SIZE = 10_000;

/** The two encodings of one table. */
export interface TableBytes {
  readonly parquet: Buffer;
  readonly csv: Buffer;
}

/**
 * Writes one table as Parquet (hyparquet-writer: typed, nullable columns,
 * Snappy, one row group per ROW_GROUP_SIZE rows) and CSV at once, holding at
 * most one row group of rows: the encoded bytes are kept as chunks. Nothing
 * in either encoding depends on the time or the machine.
 */
export class TableWriter {
  readonly #columns: readonly Column[];
  readonly #parquetChunks: MemoryChunkWriter;
  readonly #parquet: ParquetWriter;
  readonly #csv: Buffer[] = [];
  #batch: Cell[][] = [];

  constructor(columns: readonly Column[], metadata: Readonly<Record<string, string>>, createdBy: string) {
    this.#columns = columns;
    this.#parquetChunks = new MemoryChunkWriter();
    const schema = schemaFromColumnData({ columnData: columns.map((c) => source(c, [])) });
    this.#parquet = new ParquetWriter({
      writer: this.#parquetChunks,
      schema,
      codec: 'SNAPPY',
      createdBy,
      kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    this.#csv.push(Buffer.from(csvLine(columns.map((c) => c.name)), 'utf8'));
  }

  /** One row, a cell per column in column order. */
  append(row: readonly Cell[]): void {
    if (row.length !== this.#columns.length) throw new Error(`a row of ${row.length} cells for ${this.#columns.length} columns`);
    this.#batch.push(this.#columns.map((c, i) => cellFor(c.type, row[i] as Cell)));
    if (this.#batch.length >= ROW_GROUP_SIZE) this.#flush();
  }

  finish(): TableBytes {
    this.#flush();
    this.#parquet.finish();
    return { parquet: this.#parquetChunks.bytes(), csv: Buffer.concat(this.#csv) };
  }

  #flush(): void {
    const rows = this.#batch;
    if (rows.length === 0) return;
    this.#batch = [];
    let text = '';
    for (const r of rows) text += csvLine(r);
    this.#csv.push(Buffer.from(text, 'utf8'));
    const columnData = this.#columns.map((c, i) => source(c, rows.map((r) => r[i] as Cell)));
    void this.#parquet.write({ columnData, rowGroupSize: rows.length });
  }
}

function source(c: Column, data: Cell[]): ColumnSource {
  // hyparquet-writer takes INT64 values as bigint.
  const values = c.type === 'INT64' ? data.map((v) => (typeof v === 'number' ? BigInt(v) : v)) : data;
  return { name: c.name, type: c.type, nullable: true, data: values };
}

