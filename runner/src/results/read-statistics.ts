import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { z } from 'zod';
import { SwarmlabError } from '../errors.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { PARAM_PREFIX } from './run-row.ts';

const FILE = 'statistics.parquet';

const count = z.bigint().transform(Number);
const stat = z.number().nullable();
const StatisticsRow = z.object({
  point: count,
  metric: z.string(),
  runs: count,
  n: count,
  mean: stat,
  sd: stat,
  se: stat,
  ci95_low: stat,
  ci95_high: stat,
  min: stat,
  max: stat,
});

/** One row of statistics.parquet: a metric at a parameter point. */
export type PointStatistics = z.infer<typeof StatisticsRow> & { readonly params: readonly (readonly [string, unknown])[] };

export interface StatisticsPage {
  /** The parameter columns, in table order (`param.` prefix removed). */
  readonly params: readonly string[];
  /** The rows of the first points (of the chosen metrics), in table order: point by point. */
  readonly rows: readonly PointStatistics[];
  /** The metrics of the table (every point has a row for each), in table order. */
  readonly metrics: readonly string[];
  /** Parameter points in the whole table. */
  readonly points: number;
}

/** Rows read from the file at a time. */
const CHUNK_ROWS = 4096;

/**
 * The rows of the first `maxPoints` parameter points of a result set's
 * statistics table (of the chosen metrics, when given), read from its
 * Parquet file a chunk of rows at a time: the table is ordered by point, so
 * reading stops at the first row of a later point.
 */
export async function readStatistics(store: ObjectStore, layout: ResultsLayout, maxPoints: number, metrics?: ReadonlySet<string>): Promise<StatisticsPage> {
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
  const names = meta.schema.slice(1).map((e) => e.name);
  const total = Number(meta.num_rows);
  const paramColumns = names.slice(names.indexOf('point') + 1, names.indexOf('metric'));
  const rows: PointStatistics[] = [];
  const known: string[] = [];
  let done = false;
  for (let start = 0; start < total && !done; start += CHUNK_ROWS) {
    let raw: Record<string, unknown>[];
    try {
      raw = await parquetReadObjects({ file, metadata: meta, rowStart: start, rowEnd: Math.min(start + CHUNK_ROWS, total) });
    } catch (e) {
      throw unreadable(e);
    }
    for (const [i, r] of raw.entries()) {
      const parsed = StatisticsRow.safeParse(r);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SwarmlabError('BAD_FILE', `${FILE}: row ${start + i}: ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, { file: store.uriFor(key) });
      }
      const row = parsed.data;
      if (row.point >= maxPoints) {
        done = true;
        break;
      }
      if (row.point === 0) known.push(row.metric);
      if (metrics === undefined || metrics.has(row.metric)) rows.push({ ...row, params: paramColumns.map((c) => [c.slice(PARAM_PREFIX.length), r[c]] as const) });
    }
  }
  return { params: paramColumns.map((c) => c.slice(PARAM_PREFIX.length)), rows, metrics: known, points: known.length === 0 ? 0 : total / known.length };
}
