import { describe, expect, it } from 'vitest';
import { Rng } from '../../../rng/index.ts';
import { wideInt } from './common.ts';

describe('wideInt', () => {
  it('reaches odd values of a bound of 2^33, which a single 32-bit draw scaled up never does', () => {
    const rng = Rng.derive('wide-int-test');
    const draws = 4000;
    let odd = 0;
    for (let i = 0; i < draws; i++) {
      const x = wideInt(rng, 2 ** 33);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(2 ** 33);
      odd += x % 2;
    }
    expect(Math.abs(odd / draws - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / draws));
  });

  it('stays in range for small bounds', () => {
    const rng = Rng.derive('wide-int-small');
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(wideInt(rng, 5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
