import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.ts';

describe('BufferPool', () => {
  it('gives back the smallest kept buffer that fits, makes one with the slack asked for when none does, and keeps at most its bound', () => {
    const pool = new BufferPool(2);
    const small = new ArrayBuffer(100);
    const large = new ArrayBuffer(1000);
    pool.give(large);
    pool.give(small);
    pool.give(new ArrayBuffer(5000));
    expect(pool.take(50)).toBe(small);
    expect(pool.take(50)).toBe(large);
    const made = pool.take(50, 10);
    expect(made).not.toBe(small);
    expect(made.byteLength).toBe(60);
    pool.give(small);
    expect(pool.take(101).byteLength).toBe(101);
    expect(pool.take(100)).toBe(small);
  });
});
