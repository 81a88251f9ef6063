import { zstdDecompressSync } from 'node:zlib';
import { parquetMetadata, parquetRead, type DecodedArray, type FileMetaData } from 'hyparquet';

// Reading a Parquet trace a row group at a time, column by column: what the
// trace reader and the trace's validation decode (never the whole file's rows
// as objects, which would cost a JS object per row).

const unzstd = (b: Uint8Array): Uint8Array => new Uint8Array(zstdDecompressSync(b));

export interface ParquetFile {
  readonly buffer: ArrayBuffer;
  readonly metadata: FileMetaData;
}

/** The file and its metadata; throws when it is not a Parquet file hyparquet can read. */
export function openParquet(bytes: Uint8Array): ParquetFile {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { buffer, metadata: parquetMetadata(buffer) };
}

/** The top-level column names, in schema order. */
export function columnNames(file: ParquetFile): string[] {
  return file.metadata.schema.slice(1).map((s) => s.name);
}

/** Row groups as [start, end) row ranges. */
export function rowGroupRanges(file: ParquetFile): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  for (const group of file.metadata.row_groups) {
    const end = start + Number(group.num_rows);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** The named columns' values for rows [start, end), in the order asked. */
export async function readColumns(file: ParquetFile, columns: readonly string[], start: number, end: number): Promise<DecodedArray[]> {
  const chunks = new Map<string, { at: number; data: DecodedArray }[]>(columns.map((c) => [c, []]));
  await parquetRead({
    file: file.buffer,
    metadata: file.metadata,
    columns: [...columns],
    rowStart: start,
    rowEnd: end,
    compressors: { ZSTD: unzstd },
    onChunk: ({ columnName, columnData, rowStart }) => chunks.get(columnName)?.push({ at: rowStart, data: columnData }),
  });
  return columns.map((c) => {
    const parts = (chunks.get(c) ?? []).sort((a, b) => a.at - b.at);
    if (parts.length === 1 && parts[0]!.at === start && parts[0]!.data.length === end - start) return parts[0]!.data;
    // Pages may cover more than the range asked: keep the rows inside it.
    const out: unknown[] = [];
    for (const { at, data } of parts) {
      for (let i = Math.max(0, start - at); i < data.length && at + i < end; i++) out.push(data[i]);
    }
    return out as DecodedArray;
  });
}
