import type { ManifestRun, Summary } from '../outputs/schemas.ts';
import type { Cell, ColumnCatalog } from './columns.ts';

// One run as a row of the results table. Column names are stable: fixed
// names, then `param.<path>` for each swept parameter, `metric.<name>` for
// each final metric and `summary.<module instance>.<key>[.<key>...]` for
// each scalar of a module's summary, nested objects joined with dots.
// Arrays in a summary (series, logs, per-round lists) are not scalars of the
// run: their length differs between runs, so their items would not be
// stable columns; they stay in summary.json.

export const PARAM_PREFIX = 'param.';
export const METRIC_PREFIX = 'metric.';
export const SUMMARY_PREFIX = 'summary.';

/** The fixed columns, declared so that they exist (and keep their type) even when no run has a value. */
export function declareFixedColumns(catalog: ColumnCatalog): void {
  catalog.declare('run_id', 'head', 'STRING');
  catalog.declare('index', 'head', 'INT64');
  catalog.declare('seed', 'head', 'INT64');
  catalog.declare('point', 'head', 'INT64');
  catalog.declare('status', 'outcome', 'STRING');
  catalog.declare('error_code', 'outcome', 'STRING');
  catalog.declare('end_reason', 'outcome', 'STRING');
  catalog.declare('events', 'outcome', 'INT64');
  catalog.declare('end_time', 'outcome', 'DOUBLE');
}

/**
 * A run's cells as [column id, value, column id, value, ...]; a failed run
 * (no summary) has its identity, parameters, status and error code only.
 */
export function runCells(catalog: ColumnCatalog, run: ManifestRun, point: number, summary: Summary | undefined): Cell[] {
  const out: Cell[] = [];
  const put = (name: string, group: Parameters<ColumnCatalog['idFor']>[1], value: Cell): void => {
    out.push(catalog.idFor(name, group, value), value);
  };
  put('run_id', 'head', run.run_id);
  put('index', 'head', run.index);
  put('seed', 'head', run.seed);
  put('point', 'head', point);
  for (const [name, value] of Object.entries(run.params)) put(`${PARAM_PREFIX}${name}`, 'param', value);
  put('status', 'outcome', run.status);
  if (run.error !== undefined) put('error_code', 'outcome', run.error.code);
  if (summary === undefined) return out;
  put('end_reason', 'outcome', summary.engine.end_reason);
  put('events', 'outcome', summary.engine.events);
  put('end_time', 'outcome', summary.engine.end_time);
  summaryScalars(summary, (name, group, value) => put(name, group, value));
  return out;
}

/** A summary's metric and summary columns, in the order the row takes them. */
function summaryScalars(summary: Summary, put: (name: string, group: 'metric' | 'summary', value: Cell) => void): void {
  for (const [name, value] of Object.entries(summary.final_metrics)) put(`${METRIC_PREFIX}${name}`, 'metric', value);
  for (const [instance, results] of Object.entries(summary.results)) flattenScalars(`${SUMMARY_PREFIX}${instance}`, results, (name, value) => put(name, 'summary', value));
}

/** The number in a run's row of the results table at a metric or summary column; null when the row has none there (the later key wins, as in the row). */
export function columnNumber(summary: Summary, column: string): number | null {
  let found: Cell = null;
  summaryScalars(summary, (name, _group, value) => {
    if (name === column) found = value;
  });
  return typeof found === 'number' ? found : null;
}

function flattenScalars(prefix: string, value: unknown, put: (name: string, value: Cell) => void): void {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') put(prefix, value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flattenScalars(`${prefix}.${key}`, inner, put);
  }
}
