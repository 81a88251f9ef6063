import { endianness } from 'node:os';
import type { ColumnChunk, ColumnMetaData, Encoding, ParquetType, Statistics } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';

// Column chunks of a flat, required trace column, each one data page (v2),
// encoded from the typed arrays the trace writer fills: the bytes of a
// Float64Array or of the 32-bit word pairs of an INT64 column are PLAIN
// encoding as they lie in memory, so a page is one copy and one compression,
// not a visit per value (hyparquet-writer's general path sizes pages, checks
// ranges and appends each value through a DataView). The file around the
// chunks (magic, footer, schema) stays hyparquet-writer's.

if (endianness() !== 'LE') throw new Error('the Parquet trace writer needs a little-endian machine: it writes typed arrays as they lie in memory');

export type Compress = (bytes: Uint8Array) => Uint8Array;

/** A column chunk as written, and its uncompressed size (pages and headers) for the row group's total. */
export interface WrittenChunk {
  readonly chunk: ColumnChunk;
  readonly uncompressedSize: number;
}

const utf8 = new TextEncoder();

export class ColumnChunkWriter {
  readonly #out: ByteWriter;
  readonly #compress: Compress;

  constructor(out: ByteWriter, compress: Compress) {
    this.#out = out;
    this.#compress = compress;
  }

  /** DOUBLE, PLAIN; with `statistics`, the chunk's min and max (NaN skipped, as Parquet asks). */
  double(name: string, values: Float64Array, statistics: boolean): WrittenChunk {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    return this.#plain(name, 'DOUBLE', bytes, values.length, statistics ? doubleStatistics(values) : undefined);
  }

  /**
   * An OPTIONAL DOUBLE, PLAIN: `defined` a definition level per row (1: the
   * row has a value), `values` the values of those rows in order. The levels
   * are written RLE/bit-packed ahead of the values, uncompressed, as a data
   * page v2 keeps them.
   */
  optionalDouble(name: string, values: Float64Array, defined: Uint8Array): WrittenChunk {
    const rows = defined.length;
    const levels = new ByteWriter(Math.ceil(rows / 8) + 64);
    const levelsSize = writeRleBitPackedHybrid(levels, defined, 1);
    const levelBytes = levels.getBytes();
    const plain = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const start = this.#out.offset;
    const compressed = this.#compress(plain);
    const headerStart = this.#out.offset;
    writePageHeader(this.#out, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelsSize + plain.length,
      compressed_page_size: levelsSize + compressed.length,
      data_page_header_v2: { num_values: rows, num_nulls: rows - values.length, num_rows: rows, encoding: 'PLAIN', definition_levels_byte_length: levelsSize, repetition_levels_byte_length: 0, is_compressed: true },
    });
    const headerSize = this.#out.offset - headerStart;
    this.#out.appendBytes(levelBytes);
    this.#out.appendBytes(compressed);
    return this.#chunk(name, 'DOUBLE', ['PLAIN', 'RLE'], rows, start, start, headerSize + levelsSize + plain.length);
  }

  /** INT64, PLAIN, from each value's two 32-bit words (low first). */
  int64(name: string, words: Uint32Array): WrittenChunk {
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    return this.#plain(name, 'INT64', bytes, words.length / 2);
  }

  /** BYTE_ARRAY, PLAIN, from bytes already in PLAIN layout (each value its 4-byte little-endian length, then its bytes). */
  byteArray(name: string, plain: Uint8Array, rows: number): WrittenChunk {
    return this.#plain(name, 'BYTE_ARRAY', plain, rows);
  }

  /** BYTE_ARRAY of UTF-8 strings, RLE_DICTIONARY, of `values[0 .. rows)`: a dictionary page of the distinct strings in first-seen order, then their indexes. */
  dictionary(name: string, values: readonly string[], rows: number): WrittenChunk {
    const index = new Map<string, number>();
    const indexes = new Int32Array(rows);
    // Runs of one value are common (an entity's events in a row): the last value's index is kept at hand.
    let last: string | undefined;
    let lastIndex = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r] as string;
      if (v !== last) {
        let i = index.get(v);
        if (i === undefined) {
          i = index.size;
          index.set(v, i);
        }
        last = v;
        lastIndex = i;
      }
      indexes[r] = lastIndex;
    }
    const start = this.#out.offset;
    const dictionaryPage = plainStrings([...index.keys()]);
    const dictionarySize = this.#page(dictionaryPage, (compressed) => ({
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: dictionaryPage.length,
      compressed_page_size: compressed,
      dictionary_page_header: { num_values: index.size, encoding: 'PLAIN' },
    }));
    const dataStart = this.#out.offset;
    const page = new ByteWriter(rows + 64);
    const bitWidth = Math.ceil(Math.log2(Math.max(index.size, 1)));
    page.appendUint8(bitWidth);
    writeRleBitPackedHybrid(page, indexes, bitWidth);
    const dataSize = this.#dataPage(page.getBytes(), rows, 'RLE_DICTIONARY');
    return this.#chunk(name, 'BYTE_ARRAY', ['PLAIN', 'RLE_DICTIONARY'], rows, start, dataStart, dictionarySize + dataSize, undefined, start);
  }

  #plain(name: string, type: ParquetType, bytes: Uint8Array, rows: number, statistics?: Statistics): WrittenChunk {
    const start = this.#out.offset;
    const size = this.#dataPage(bytes, rows, 'PLAIN');
    return this.#chunk(name, type, ['PLAIN'], rows, start, start, size, statistics);
  }

  /** A data page v2 of a required flat column: no levels, the values compressed. */
  #dataPage(bytes: Uint8Array, rows: number, encoding: Encoding): number {
    return this.#page(bytes, (compressed) => ({
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: bytes.length,
      compressed_page_size: compressed,
      data_page_header_v2: { num_values: rows, num_nulls: 0, num_rows: rows, encoding, definition_levels_byte_length: 0, repetition_levels_byte_length: 0, is_compressed: true },
    }));
  }

  /** Writes a page's header and compressed bytes; returns its uncompressed size with the header. */
  #page(bytes: Uint8Array, header: (compressedSize: number) => Parameters<typeof writePageHeader>[1]): number {
    const compressed = this.#compress(bytes);
    const headerStart = this.#out.offset;
    writePageHeader(this.#out, header(compressed.length));
    const headerSize = this.#out.offset - headerStart;
    this.#out.appendBytes(compressed);
    return headerSize + bytes.length;
  }

  #chunk(name: string, type: ParquetType, encodings: Encoding[], rows: number, start: number, dataStart: number, uncompressedSize: number, statistics?: Statistics, dictionaryStart?: number): WrittenChunk {
    const meta: ColumnMetaData = {
      type,
      encodings,
      path_in_schema: [name],
      codec: 'ZSTD',
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(uncompressedSize),
      total_compressed_size: BigInt(this.#out.offset - start),
      data_page_offset: BigInt(dataStart),
      ...(dictionaryStart === undefined ? {} : { dictionary_page_offset: BigInt(dictionaryStart) }),
      ...(statistics ? { statistics } : {}),
    };
    return { chunk: { meta_data: meta, file_offset: BigInt(start) }, uncompressedSize };
  }
}

/** Parquet's statistics, with the NaN count hyparquet-writer's footer writes (hyparquet's type leaves it out). */
type DoubleStatistics = Statistics & { nan_count: bigint };

function doubleStatistics(values: Float64Array): DoubleStatistics {
  let min = Infinity;
  let max = -Infinity;
  let nan = 0n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v !== v) nan++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === Infinity) return { null_count: 0n, nan_count: nan };
  // Signed zeros as Parquet asks: a min of zero is -0, a max of zero is +0.
  return { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, null_count: 0n, nan_count: nan };
}

/** Strings in PLAIN BYTE_ARRAY layout. */
function plainStrings(values: readonly string[]): Uint8Array {
  const encoded = values.map((v) => utf8.encode(v));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}
