import type { PointStatistics, StatisticsPage } from '../results/read-statistics.ts';

/** Parameter points (columns) and metrics (rows) shown in a terminal; the tables hold them all. */
export const SHOWN_POINTS = 6;
export const SHOWN_METRICS = 60;

/** Four significant digits: a terminal table is for reading, the tables keep full precision. */
export function formatNumber(x: number | null): string {
  if (x === null) return '-';
  if (x === 0) return '0';
  return String(Number(x.toPrecision(4)));
}

/** A point's statistic as `mean ± half-width of the 95% CI`, the mean alone below n = 2, and n when some runs had no value. */
export function formatCell(s: PointStatistics): string {
  if (s.n === 0 || s.mean === null) return `- (n=0/${s.runs})`;
  const half = s.ci95_high === null ? '' : ` ± ${formatNumber(s.ci95_high - s.mean)}`;
  return `${formatNumber(s.mean)}${half}${s.n === s.runs ? '' : ` (n=${s.n}/${s.runs})`}`;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** A point's column label: its value when one parameter is swept (named above the columns), else name=value pairs. */
function pointLabel(params: PointStatistics['params']): string {
  if (params.length === 0) return 'all runs';
  if (params.length === 1) return text(params[0]?.[1]);
  return params.map(([name, value]) => `${name}=${text(value)}`).join(' ');
}

/** Same mean and no spread at every point shown. */
function isConstant(cells: readonly PointStatistics[]): boolean {
  const first = cells[0]?.mean;
  return first !== null && first !== undefined && cells.every((c) => c.mean === first && (c.sd === null || c.sd === 0));
}

/**
 * The per-point statistics as a text table: a row per final metric, a
 * column per parameter point (the first SHOWN_POINTS), each cell the mean
 * and the half-width of its 95% interval. Unless metrics were chosen,
 * metrics with the same value everywhere are listed on one line instead.
 */
export function formatStatistics(page: StatisticsPage, chosen: boolean): string {
  const byPoint = new Map<number, Map<string, PointStatistics>>();
  for (const r of page.rows) {
    let cells = byPoint.get(r.point);
    if (cells === undefined) byPoint.set(r.point, (cells = new Map()));
    cells.set(r.metric, r);
  }
  const points = [...byPoint.keys()];
  const labels = points.map((p) => pointLabel([...(byPoint.get(p)?.values() ?? [])][0]?.params ?? []));
  const metrics = page.metrics.filter((m) => points.some((p) => byPoint.get(p)?.has(m)));
  const lines: string[][] = [['metric', ...labels]];
  const constant: string[] = [];
  let shown = 0;
  for (const m of metrics) {
    const cells = points.map((p) => byPoint.get(p)?.get(m)).filter((c): c is PointStatistics => c !== undefined);
    if (!chosen && points.length > 1 && isConstant(cells)) {
      constant.push(`${m}=${formatNumber(cells[0]?.mean ?? null)}`);
      continue;
    }
    if (shown++ >= SHOWN_METRICS) continue;
    lines.push([m, ...cells.map(formatCell)]);
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const table = lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  if (page.params.length === 1) table.unshift(`${' '.repeat(widths[0]! + 2)}${page.params[0] ?? ''}`);
  const runs = new Set(page.rows.map((r) => r.runs));
  const notes = [`mean ± half-width of the 95% CI (Student's t) over ${runs.size === 1 ? `the ${[...runs][0] ?? 0} runs` : 'the runs'} of each point; sd, min and max are in statistics.csv`];
  if (constant.length > 0) notes.push(`the same at every point shown: ${constant.join(', ')}`);
  if (shown > SHOWN_METRICS) notes.push(`${shown - SHOWN_METRICS} more metrics are in statistics.csv (choose with --metric)`);
  if (page.points > points.length) notes.push(`the first ${points.length} of ${page.points} points; statistics.csv has every point`);
  return [...table, ...notes.map((n) => `(${n})`)].join('\n');
}
