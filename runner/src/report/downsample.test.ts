import { describe, expect, it } from 'vitest';
import { Downsampler } from './downsample.ts';

function run(values: readonly [number, number][], buckets: number): { time: number; value: number }[] {
  const end = values.at(-1)?.[0] ?? 0;
  const d = new Downsampler(buckets, values[0]?.[0] ?? 0, end);
  for (const [t, v] of values) d.push(t, v);
  return d.result();
}

describe('Downsampler', () => {
  it('keeps a short series as it is', () => {
    const values: [number, number][] = [[0, 1], [1, 5], [2, 3]];
    expect(run(values, 100)).toEqual(values.map(([time, value]) => ({ time, value })));
  });

  it('bounds a long series and keeps its spikes, first and last value', () => {
    const values: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i / 10, i === 54_321 ? 1e6 : i === 77_777 ? -1e6 : Math.sin(i / 100)]);
    const out = run(values, 50);
    expect(out.length).toBeLessThanOrEqual(2 * 50 + 2);
    expect(out[0]).toEqual({ time: 0, value: 0 });
    expect(out.at(-1)).toEqual({ time: 9999.9, value: Math.sin(999.99) });
    expect(out).toContainEqual({ time: 5432.1, value: 1e6 });
    expect(out).toContainEqual({ time: 7777.7, value: -1e6 });
    const times = out.map((p) => p.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('keeps a span\'s repeated extreme once, at its first time, and takes columns as it takes values', () => {
    const values: [number, number][] = [[0, 0], [1, 5], [2, 5], [3, 5], [4, 0]];
    expect(run(values, 1)).toEqual([{ time: 0, value: 0 }, { time: 1, value: 5 }, { time: 4, value: 0 }]);
    const d = new Downsampler(1, 0, 4);
    d.pushColumn(Float64Array.from(values, ([t]) => t), Float64Array.from(values, ([, v]) => v), values.length);
    expect(d.result()).toEqual(run(values, 1));
  });

  it('takes a series in columns of any lengths exactly as value by value', () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let t = 0;
    const values: [number, number][] = Array.from({ length: 20_000 }, () => [(t += random() < 0.1 ? 0 : random()), Math.floor(random() * 7)]);
    for (const buckets of [1, 3, 37, 500]) {
      const d = new Downsampler(buckets, values[0]?.[0] ?? 0, t);
      for (let at = 0; at < values.length; ) {
        const n = Math.min(values.length - at, [0, 1, 2, 5, 1000][Math.floor(random() * 5)] as number);
        const block = values.slice(at, at + n);
        d.pushColumn(Float64Array.from(block, ([time]) => time), Float64Array.from(block, ([, v]) => v), n);
        at += n;
      }
      const expected = run(values, buckets);
      expect(expected.length).toBeGreaterThan(Math.min(buckets, 3));
      expect(d.result()).toEqual(expected);
    }
  });

  it('gives nothing for an empty series and one value for one', () => {
    expect(new Downsampler(10, 0, 0).result()).toEqual([]);
    const d = new Downsampler(10, 3, 3);
    d.push(3, 7);
    expect(d.result()).toEqual([{ time: 3, value: 7 }]);
  });
});
