import { describe, expect, it } from 'vitest';
import { contains, count, difference, formatIntervals, fromIndexes, intersection, normalise, parseIntervals, shift, union } from './intervals.ts';

describe('intervals', () => {
  it('parses and formats the Job status format', () => {
    expect(parseIntervals('0-99,120')).toEqual([
      [0, 99],
      [120, 120],
    ]);
    expect(formatIntervals(parseIntervals('0-99,120'))).toBe('0-99,120');
    expect(parseIntervals('')).toEqual([]);
    expect(parseIntervals(undefined)).toEqual([]);
    expect(() => parseIntervals('1-x')).toThrow(/not an interval list/);
    expect(() => parseIntervals('5-2')).toThrow(/ends before/);
  });

  it('normalises overlapping, adjacent and unsorted intervals', () => {
    expect(normalise([[5, 6], [0, 2], [3, 3], [6, 9]])).toEqual([[0, 3], [5, 9]]);
    expect(fromIndexes([4, 1, 2, 3, 9])).toEqual([[1, 4], [9, 9]]);
  });

  it('counts, tests membership, unions, subtracts and intersects', () => {
    const a = parseIntervals('0-9,20-29');
    expect(count(a)).toBe(20);
    expect(contains(a, 9)).toBe(true);
    expect(contains(a, 10)).toBe(false);
    expect(contains(a, 29)).toBe(true);
    expect(union(a, parseIntervals('10-19'))).toEqual([[0, 29]]);
    expect(difference(a, parseIntervals('3-4,9-22,29'))).toEqual([[0, 2], [5, 8], [23, 28]]);
    expect(difference(parseIntervals('0-5'), [])).toEqual([[0, 5]]);
    expect(difference(parseIntervals('0-5'), parseIntervals('0-5'))).toEqual([]);
    expect(intersection(a, parseIntervals('3-4,9-22,29'))).toEqual([[3, 4], [9, 9], [20, 22], [29, 29]]);
    expect(intersection(parseIntervals('0-5,8'), parseIntervals('4-9'))).toEqual([[4, 5], [8, 8]]);
    expect(intersection(parseIntervals('0-5'), [])).toEqual([]);
  });

  it('keeps formatted sets within a length, summarising the rest', () => {
    const every2nd = fromIndexes(Array.from({ length: 10_000 }, (_, i) => i * 2));
    const s = formatIntervals(every2nd, 100);
    expect(s.length).toBeLessThanOrEqual(100 + 12);
    expect(s).toMatch(/^0,2,4,.*,\.\.\.\+\d+$/);
    const kept = s.split(',').filter((p) => !p.startsWith('...')).length;
    expect(Number(/\+(\d+)$/.exec(s)![1]) + kept).toBe(10_000);
  });
});

describe('shift', () => {
  it('moves a part Job\'s local indexes to global ones', () => {
    expect(formatIntervals(shift(parseIntervals('0-2,5'), 100))).toBe('100-102,105');
    expect(shift([], 7)).toEqual([]);
  });
});
