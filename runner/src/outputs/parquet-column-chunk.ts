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

type PageHeader = Parameters<typeof writePageHeader>[1];

/**
 * A page encoded but not yet compressed: its bytes, the definition levels an
 * optional column writes ahead of them uncompressed, and its header but for
 * the compressed size.
 */
export interface EncodedPage {
  readonly bytes: Uint8Array;
  readonly levels?: Uint8Array;
  readonly header: Omit<PageHeader, 'compressed_page_size'>;
}

/** A column chunk encoded but not yet compressed: a dictionary page first if it has one, then its one data page. */
export interface EncodedChunk {
  readonly name: string;
  readonly type: ParquetType;
  readonly encodings: Encoding[];
  readonly rows: number;
  readonly pages: readonly EncodedPage[];
  readonly statistics?: Statistics;
}

/** What writing a page needs once its bytes are compressed: all but its bytes. */
export type PageLayout = Omit<EncodedPage, 'bytes'>;

/** What writing a chunk needs once its pages are compressed. */
export interface ChunkLayout extends Omit<EncodedChunk, 'pages'> {
  readonly pages: readonly PageLayout[];
}

/** The chunks without their pages' bytes: what a row group waiting for its compressed pages holds (the bytes were copied to be compressed). */
export function layoutOf(chunks: readonly EncodedChunk[]): ChunkLayout[] {
  return chunks.map((c) => ({ ...c, pages: c.pages.map((p) => (p.levels === undefined ? { header: p.header } : { levels: p.levels, header: p.header })) }));
}

/** A column chunk as written, and its uncompressed size (pages and headers) for the row group's total. */
export interface WrittenChunk {
  readonly chunk: ColumnChunk;
  readonly uncompressedSize: number;
}

const utf8 = new TextEncoder();

/**
 * Encodes a row group's columns into pages. The pages' bytes may be views of
 * the arrays given: they must be compressed (or copied) before those arrays
 * are written again. Compression is apart so that it may run on another
 * thread while the next row group fills (trace-thread-worker.ts).
 */
export class ColumnEncoder {
  /** dictionary()'s indexes, made again only for a longer group: they are read within the call. */
  #indexes = new Int32Array(0);

  /** DOUBLE, PLAIN; with `statistics`, the chunk's min and max (NaN skipped, as Parquet asks). */
  double(name: string, values: Float64Array, statistics: boolean): EncodedChunk {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    return plainChunk(name, 'DOUBLE', bytes, values.length, statistics ? doubleStatistics(values) : undefined);
  }

  /**
   * An OPTIONAL DOUBLE, PLAIN: `defined` a definition level per row (1: the
   * row has a value), `values` the values of those rows in order. The levels
   * are written RLE/bit-packed ahead of the values, uncompressed, as a data
   * page v2 keeps them.
   */
  optionalDouble(name: string, values: Float64Array, defined: Uint8Array): EncodedChunk {
    const rows = defined.length;
    const levelWriter = new ByteWriter(Math.ceil(rows / 8) + 64);
    const levelsSize = writeRleBitPackedHybrid(levelWriter, defined, 1);
    const levels = levelWriter.getBytes();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const header: EncodedPage['header'] = {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelsSize + bytes.length,
      data_page_header_v2: { num_values: rows, num_nulls: rows - values.length, num_rows: rows, encoding: 'PLAIN', definition_levels_byte_length: levelsSize, repetition_levels_byte_length: 0, is_compressed: true },
    };
    return { name, type: 'DOUBLE', encodings: ['PLAIN', 'RLE'], rows, pages: [{ bytes, levels, header }] };
  }

  /** INT64, PLAIN, from each value's two 32-bit words (low first). */
  int64(name: string, words: Uint32Array): EncodedChunk {
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    return plainChunk(name, 'INT64', bytes, words.length / 2);
  }

  /** BYTE_ARRAY, PLAIN, from bytes already in PLAIN layout (each value its 4-byte little-endian length, then its bytes). */
  byteArray(name: string, plain: Uint8Array, rows: number): EncodedChunk {
    return plainChunk(name, 'BYTE_ARRAY', plain, rows);
  }

  /** BYTE_ARRAY of UTF-8 strings, RLE_DICTIONARY, of `values[0 .. rows)`: a dictionary page of the distinct strings in first-seen order, then their indexes. */
  dictionary(name: string, values: readonly string[], rows: number): EncodedChunk {
    const index = new Map<string, number>();
    if (this.#indexes.length < rows) this.#indexes = new Int32Array(rows);
    const indexes = this.#indexes.subarray(0, rows);
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
    const dictionaryPage = plainStrings([...index.keys()]);
    const page = new ByteWriter(rows + 64);
    const bitWidth = Math.ceil(Math.log2(Math.max(index.size, 1)));
    page.appendUint8(bitWidth);
    writeRleBitPackedHybrid(page, indexes, bitWidth);
    return {
      name,
      type: 'BYTE_ARRAY',
      encodings: ['PLAIN', 'RLE_DICTIONARY'],
      rows,
      pages: [
        { bytes: dictionaryPage, header: { type: 'DICTIONARY_PAGE', uncompressed_page_size: dictionaryPage.length, dictionary_page_header: { num_values: index.size, encoding: 'PLAIN' } } },
        dataPage(page.getBytes(), rows, 'RLE_DICTIONARY'),
      ],
    };
  }
}

/** Every page's bytes of these chunks, in the order writeColumnChunks takes their compressed forms. */
export function pageBytes(chunks: readonly EncodedChunk[]): Uint8Array[] {
  return chunks.flatMap((c) => c.pages.map((p) => p.bytes));
}

/**
 * Writes encoded chunks with their pages compressed (`compressed`: one per
 * page, in pageBytes' order): each page's header, its levels, its bytes.
 */
export function writeColumnChunks(out: ByteWriter, chunks: readonly ChunkLayout[], compressed: readonly Uint8Array[]): WrittenChunk[] {
  let p = 0;
  return chunks.map((c) => {
    const start = out.offset;
    let dataStart = start;
    let uncompressedSize = 0;
    for (const page of c.pages) {
      const bytes = compressed[p++];
      if (bytes === undefined) throw new Error(`column ${c.name}: a page has no compressed bytes`);
      dataStart = out.offset;
      const levels = page.levels ?? EMPTY;
      writePageHeader(out, { ...page.header, compressed_page_size: levels.length + bytes.length });
      uncompressedSize += out.offset - dataStart + page.header.uncompressed_page_size;
      out.appendBytes(levels);
      out.appendBytes(bytes);
    }
    const dictionary = c.pages.length > 1;
    const meta: ColumnMetaData = {
      type: c.type,
      encodings: c.encodings,
      path_in_schema: [c.name],
      codec: 'ZSTD',
      num_values: BigInt(c.rows),
      total_uncompressed_size: BigInt(uncompressedSize),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: BigInt(dataStart),
      ...(dictionary ? { dictionary_page_offset: BigInt(start) } : {}),
      ...(c.statistics ? { statistics: c.statistics } : {}),
    };
    return { chunk: { meta_data: meta, file_offset: BigInt(start) }, uncompressedSize };
  });
}

const EMPTY = new Uint8Array(0);

function plainChunk(name: string, type: ParquetType, bytes: Uint8Array, rows: number, statistics?: Statistics): EncodedChunk {
  return { name, type, encodings: ['PLAIN'], rows, pages: [dataPage(bytes, rows, 'PLAIN')], ...(statistics ? { statistics } : {}) };
}

/** A data page v2 of a required flat column: no levels, the values compressed. */
function dataPage(bytes: Uint8Array, rows: number, encoding: Encoding): EncodedPage {
  return {
    bytes,
    header: {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: bytes.length,
      data_page_header_v2: { num_values: rows, num_nulls: 0, num_rows: rows, encoding, definition_levels_byte_length: 0, repetition_levels_byte_length: 0, is_compressed: true },
    },
  };
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
