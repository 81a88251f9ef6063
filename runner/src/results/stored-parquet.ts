import { parquetMetadata } from 'hyparquet';
import { SwarmlabError } from '../errors.ts';
import type { ResultsLayout, TableFile } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

export interface StoredParquet {
  readonly file: ArrayBuffer;
  readonly meta: ReturnType<typeof parquetMetadata>;
  /** The error for a read of this file that failed: it names the file and the cause. */
  unreadable(e: unknown): SwarmlabError;
}

/** One of the result set's Parquet tables, read whole from the store with its metadata parsed; a missing or unreadable file is BAD_FILE naming it. */
export async function openStoredParquet(store: ObjectStore, layout: ResultsLayout, table: TableFile): Promise<StoredParquet> {
  const key = layout.table(table);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new SwarmlabError('BAD_FILE', `no ${table}`, { file: store.uriFor(key) });
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const unreadable = (e: unknown): SwarmlabError =>
    new SwarmlabError('BAD_FILE', `${table}: not a Parquet file this runner can read: ${(e as Error).message}`, { file: store.uriFor(key) });
  try {
    return { file, meta: parquetMetadata(file), unreadable };
  } catch (e) {
    throw unreadable(e);
  }
}
