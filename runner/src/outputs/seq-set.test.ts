import { describe, expect, it } from 'vitest';
import { SeqSet } from './seq-set.ts';

describe('SeqSet', () => {
  it('finds the second of two equal seqs, near 0, across a grown bitset and far past it', () => {
    const s = new SeqSet();
    const seqs = [0, 31, 32, 5_000_000, 2 ** 28 - 1, 2 ** 28, 2 ** 53 - 1];
    for (const q of seqs) expect(s.add(q), String(q)).toBe(true);
    for (const q of seqs) expect(s.add(q), String(q)).toBe(false);
    expect(s.add(1)).toBe(true);
    expect(s.add(33)).toBe(true);
  });
});
