import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapGrowth } from './heap-growth.ts';

const MB = 1 << 20;
/** `count` arrays of 1 MB of doubles, all alive until the caller drops them: they outlive young-generation collections. */
const megabytes = (count: number): number[][] => Array.from({ length: count }, (_, i) => new Array<number>(MB / 8).fill(i + 0.5));

describe('HeapGrowth', () => {
  it('collects once the heap has grown by 32 MB since it last looked, and not before', () => {
    const growth = new HeapGrowth();
    expect(growth.collectIfGrown()).toBe(false);
    let held: number[][] | undefined = megabytes(8);
    expect(growth.collectIfGrown()).toBe(false);
    held = megabytes(48);
    const before = getHeapStatistics().used_heap_size;
    expect(held).toHaveLength(48);
    held = undefined;
    expect(growth.collectIfGrown()).toBe(true);
    // The dead 48 MB (and the first 8) were collected.
    expect(before - getHeapStatistics().used_heap_size).toBeGreaterThan(40 * MB);
    expect(held).toBeUndefined();
    expect(growth.collectIfGrown()).toBe(false);
  });
});
