import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import { EventQueue } from './event-queue.ts';

describe('EventQueue', () => {
  it('pops in (time, priority, seq) order whatever the insertion order', () => {
    const rng = Rng.derive('queue-order');
    const q = new EventQueue<{ time: number; priority: number; seq: number }>();
    const items = Array.from({ length: 2000 }, (_, seq) => ({ time: rng.int(20), priority: rng.int(3) - 1, seq }));
    for (const it of rng.shuffle(items)) q.push(it);
    const out = [];
    for (let x = q.pop(); x; x = q.pop()) out.push(x);
    const expected = [...items].sort((a, b) => a.time - b.time || a.priority - b.priority || a.seq - b.seq);
    expect(out).toEqual(expected);
  });

  it('is first-in first-out among equal time and priority', () => {
    const q = new EventQueue<{ time: number; priority: number; seq: number }>();
    for (let seq = 0; seq < 100; seq++) q.push({ time: 1, priority: 0, seq });
    const seqs = [];
    for (let x = q.pop(); x; x = q.pop()) seqs.push(x.seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
