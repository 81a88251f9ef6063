import { formatCell } from '../cli/statistics-table.ts';
import type { StatisticsPage } from '../results/read-statistics.ts';

/**
 * The per-point statistics of the chosen metrics as a Markdown table: a row
 * per parameter point, a column per swept parameter, then per metric the
 * mean ± the half-width of its 95% interval across seeds (the terminal's
 * cells). docs/scenarios.md's sweep tables are these (a test keeps them so).
 */
export function statisticsMarkdown(page: StatisticsPage, metrics: readonly string[]): string {
  const seeds = page.rows[0]?.runs;
  const head = [...page.params, ...metrics.map((m) => `${m} (mean ± 95% CI${seeds === undefined ? '' : `, ${seeds} seeds`})`)];
  const byPoint = new Map<number, Map<string, string>>();
  const params = new Map<number, string[]>();
  for (const row of page.rows) {
    if (!byPoint.has(row.point)) {
      byPoint.set(row.point, new Map());
      params.set(row.point, row.params.map(([, v]) => String(v)));
    }
    byPoint.get(row.point)?.set(row.metric, formatCell(row));
  }
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---:').join(' | ')} |`];
  for (const [point, cells] of byPoint) lines.push(`| ${[...(params.get(point) ?? []), ...metrics.map((m) => cells.get(m) ?? '-')].join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
