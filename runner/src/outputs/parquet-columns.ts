import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { zstdDecompressSync } from 'node:zlib';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type DecodedArray, type FileMetaData } from 'hyparquet';
import { StagedFile } from './staged-file.ts';
import { heapGrowth } from '../engine/heap-growth.ts';

// Reading a Parquet trace a row group at a time, column by column: what the
// trace reader and the trace's validation decode (never the whole file's rows
// as objects, which would cost a JS object per row).

// The page header gives the decompressed size: one output chunk a little
// larger (node:zlib starts another chunk when one fills up), not 16 KiB
// chunks joined at the end, and the output used where it lies, not copied
// (as a plain Uint8Array view: a Buffer's slice() shares memory where a
// Uint8Array's copies, and hyparquet was written for the latter).
// Capped, since a damaged header may claim any size; a larger page is still
// read, in chunks.
const MAX_PAGE_CHUNK = 64 * 2 ** 20;
const unzstd = (b: Uint8Array, size: number): Uint8Array => {
  const out = zstdDecompressSync(b, { chunkSize: Math.min(Math.max(size, 0) + 64, MAX_PAGE_CHUNK) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

export interface ParquetFile {
  readonly buffer: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/** A file read by the byte ranges hyparquet asks for (a stored object: results/read-run.ts). */
export type RangeSource = AsyncBuffer;

/**
 * The file and its metadata; rejects when it is not a Parquet file hyparquet
 * can read. A staged file or a range source is read by range as the rows are
 * asked for, never whole.
 */
export async function openParquet(source: Uint8Array | StagedFile | RangeSource): Promise<ParquetFile> {
  const buffer = source instanceof StagedFile ? fileBuffer(source.path) : source instanceof Uint8Array ? memoryBuffer(source) : source;
  return { buffer, metadata: await parquetMetadataAsync(buffer) };
}

/** The bytes as an ArrayBuffer of their own, as hyparquet reads: a Buffer of its own memory (not a slice of node's pool) as it is, else a copy. */
export function memoryBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Ranges of a local file, read when hyparquet asks for them. */
function fileBuffer(path: string): AsyncBuffer {
  const fd = openSync(path, 'r');
  try {
    const byteLength = fstatSync(fd).size;
    return {
      byteLength,
      slice(start: number, end = byteLength): ArrayBuffer {
        const out = new Uint8Array(Math.max(0, end - start));
        const at = openSync(path, 'r');
        try {
          for (let done = 0; done < out.length; ) {
            const n = readSync(at, out, done, out.length - done, start + done);
            if (n === 0) throw new Error(`${path}: ended at byte ${start + done}, expected ${end}`);
            done += n;
          }
        } finally {
          closeSync(at);
        }
        return out.buffer;
      },
    };
  } finally {
    closeSync(fd);
  }
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

/** The named columns' values for rows [start, end), in the order asked; with `rawStrings`, strings as their UTF-8 bytes (never decoded). */
export async function readColumns(file: ParquetFile, columns: readonly string[], start: number, end: number, rawStrings = false): Promise<DecodedArray[]> {
  heapGrowth.collectIfGrown();
  const chunks = new Map<string, { at: number; data: DecodedArray }[]>(columns.map((c) => [c, []]));
  await parquetRead({
    file: file.buffer,
    metadata: file.metadata,
    columns: [...columns],
    rowStart: start,
    rowEnd: end,
    compressors: { ZSTD: unzstd },
    ...(rawStrings ? { parsers: { stringFromBytes: (bytes: Uint8Array) => bytes } } : {}),
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
