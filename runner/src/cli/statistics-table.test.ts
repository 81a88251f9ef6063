import { describe, expect, it } from 'vitest';
import type { PointStatistics, StatisticsPage } from '../results/read-statistics.ts';
import { statisticsText } from './results-command.ts';
import { formatCell, formatNumber, formatStatistics, SHOWN_POINTS } from './statistics-table.ts';

function stat(point: number, params: [string, unknown][], metric: string, values: Partial<PointStatistics> = {}): PointStatistics {
  return { point, params, metric, runs: 4, n: 4, mean: 10, sd: 2, se: 1, ci95_low: 6.8, ci95_high: 13.2, min: 8, max: 12, ...values };
}

describe('the statistics in a terminal', () => {
  it('numbers have four significant digits, no trailing zeros, and a dash for none', () => {
    expect([1489.25, 0.347212, 34.67347, 0, -0.0456123, 1e-7, 123456789, null].map(formatNumber)).toEqual(['1489', '0.3472', '34.67', '0', '-0.04561', '1e-7', '123500000', '-']);
  });

  it('a cell is the mean ± the interval half-width, the mean alone below n = 2, and says n when runs had no value', () => {
    expect(formatCell(stat(0, [], 'm'))).toBe('10 ± 3.2');
    expect(formatCell(stat(0, [], 'm', { n: 1, sd: null, se: null, ci95_low: null, ci95_high: null }))).toBe('10 (n=1/4)');
    expect(formatCell(stat(0, [], 'm', { n: 3 }))).toBe('10 ± 3.2 (n=3/4)');
    expect(formatCell(stat(0, [], 'm', { n: 0, mean: null, sd: null, se: null, ci95_low: null, ci95_high: null, min: null, max: null }))).toBe('- (n=0/4)');
  });

  it('puts a metric per row and a point per column; lists metrics equal everywhere on one line unless chosen', () => {
    const rows = [0, 1].flatMap((p) => [
      stat(p, [['a', p], ['b', 'x']], 'varies', { mean: 10 + p }),
      stat(p, [['a', p], ['b', 'x']], 'fixed', { mean: 0, sd: 0, ci95_low: 0, ci95_high: 0 }),
    ]);
    const page: StatisticsPage = { params: ['a', 'b'], rows, metrics: ['varies', 'fixed'], points: 2 };
    const text = formatStatistics(page, false).split('\n');
    expect(text[0]).toMatch(/^metric\s+a=0 b=x\s+a=1 b=x$/);
    expect(text[1]).toMatch(/^varies\s+10 ± 3\.2\s+11 ± 2\.2$/);
    expect(text).toContain('(the same at every point shown: fixed=0)');
    expect(formatStatistics(page, true)).toMatch(/^fixed\s+0 ± 0\s+0 ± 0$/m);
  });

  it('says how many points it left out', () => {
    const rows = Array.from({ length: SHOWN_POINTS }, (_, p) => stat(p, [['a', p]], 'm', { mean: p }));
    const text = formatStatistics({ params: ['a'], rows, metrics: ['m'], points: 40 }, false);
    expect(text).toContain(`(the first ${SHOWN_POINTS} of 40 points; statistics.csv has every point)`);
  });

  it('says so when there is nothing to show (every run failed)', () => {
    expect(statisticsText({ params: ['a'], rows: [], metrics: [], points: 0 }, [])).toBe('no final metrics to show: no run succeeded, or the modules report none\n');
  });
});
