import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { SwarmlabError } from '../errors.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { METRIC_PREFIX } from './run-row.ts';

const FILE = 'results.parquet';
/** Rows read from the file at a time. */
const CHUNK_ROWS = 4096;

/** A run's final metrics, as its row of the results table has them (null: the run did not report it or failed). */
export interface RunValues {
  readonly index: number;
  readonly point: number;
  readonly seed: number;
  readonly values: readonly (number | null)[];
}

/**
 * Final metric values of single runs, from the results table: at most
 * `seedsPerPoint` runs of each of the first `maxPoints` points (in run
 * order), a chunk of rows at a time, so that what is held is bounded
 * whatever the sweep's size.
 */
export async function readRunValues(
  store: ObjectStore,
  layout: ResultsLayout,
  metrics: readonly string[],
  limits: { readonly maxPoints: number; readonly seedsPerPoint: number },
): Promise<RunValues[]> {
  const key = layout.table(FILE);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new SwarmlabError('BAD_FILE', `no ${FILE}`, { file: store.uriFor(key) });
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const unreadable = (e: unknown): SwarmlabError =>
    new SwarmlabError('BAD_FILE', `${FILE}: not a Parquet file this runner can read: ${(e as Error).message}`, { file: store.uriFor(key) });
  let meta: ReturnType<typeof parquetMetadata>;
  try {
    meta = parquetMetadata(file);
  } catch (e) {
    throw unreadable(e);
  }
  const present = new Set(meta.schema.slice(1).map((e) => e.name));
  const columns = metrics.map((m) => `${METRIC_PREFIX}${m}`);
  const wanted = ['index', 'point', 'seed', ...columns.filter((c) => present.has(c))];
  const total = Number(meta.num_rows);
  const out: RunValues[] = [];
  let point = -1;
  let ofPoint = 0;
  for (let start = 0; start < total; start += CHUNK_ROWS) {
    let raw: Record<string, unknown>[];
    try {
      raw = await parquetReadObjects({ file, metadata: meta, columns: wanted, rowStart: start, rowEnd: Math.min(start + CHUNK_ROWS, total) });
    } catch (e) {
      throw unreadable(e);
    }
    for (const r of raw) {
      const p = Number(r.point);
      if (p !== point) {
        point = p;
        ofPoint = 0;
      }
      if (p >= limits.maxPoints) return out;
      if (ofPoint++ >= limits.seedsPerPoint) continue;
      out.push({
        index: Number(r.index),
        point: p,
        seed: Number(r.seed),
        values: columns.map((c) => (typeof r[c] === 'number' ? r[c] : null)),
      });
    }
  }
  return out;
}
