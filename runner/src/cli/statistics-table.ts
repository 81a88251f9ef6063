import type { StatisticsPage } from '../results/read-statistics.ts';

/** Statistics rows shown in a terminal; the tables hold them all. */
export const SHOWN_ROWS = 60;

/** Four significant digits: a terminal table is for reading, the tables keep full precision. */
export function formatNumber(x: number | null): string {
  if (x === null) return '-';
  if (x === 0) return '0';
  return String(Number(x.toPrecision(4)));
}

/**
 * The per-point statistics as an aligned text table: the point's parameters
 * (printed once per point), the metric, n (of the point's runs, when some
 * failed), mean, 95% CI, sd, min and max.
 */
export function formatStatistics(page: StatisticsPage): string {
  const header = [...page.params, 'metric', 'n', 'mean', '95% CI', 'sd', 'min', 'max'];
  const numeric = new Set(['n', 'mean', 'sd', 'min', 'max']);
  const lines: string[][] = [header];
  let lastPoint: number | undefined;
  for (const r of page.rows) {
    const params = r.params.map(([, v]) => (r.point === lastPoint ? '' : v === null || v === undefined ? '-' : String(v)));
    lastPoint = r.point;
    const ci = r.ci95_low === null || r.ci95_high === null ? '-' : `[${formatNumber(r.ci95_low)}, ${formatNumber(r.ci95_high)}]`;
    lines.push([...params, r.metric, r.n === r.runs ? String(r.n) : `${r.n}/${r.runs}`, formatNumber(r.mean), ci, formatNumber(r.sd), formatNumber(r.min), formatNumber(r.max)]);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] as string).length)));
  return lines
    .map((l) =>
      l
        .map((cell, c) => (numeric.has(header[c] as string) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
