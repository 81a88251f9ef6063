import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { WorkQueue } from './queue.ts';

describe('WorkQueue', () => {
  it('coalesces adds of a waiting key', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker, and re-queues it once after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    expect(q.depth).toBe(0);
    let second: string | undefined = 'none';
    void q.get().then((v) => (second = v));
    await Promise.resolve();
    expect(second).toBe('none');
    q.done(k!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('a waiting worker gets a newly added key at once', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
  });

  it('backs off exponentially up to a cap, and forget resets', () => {
    const clock = new ManualClock();
    const retries: string[] = [];
    const q = new WorkQueue({ clock, backoff: { baseMs: 100, maxMs: 1000 }, hooks: { onRetry: (k) => retries.push(k) } });
    expect([1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.retries('k')).toBe(6);
    expect(retries).toHaveLength(6);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
  });

  it('adds delayed keys when their time comes, keeping the earliest', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 1000);
    q.addAfter('k', 300);
    q.addAfter('k', 5000);
    clock.advance(299);
    expect(q.depth).toBe(0);
    clock.advance(1);
    expect(q.depth).toBe(1);
    clock.advance(10_000);
    expect(q.depth).toBe(1);
  });

  it('shutdown releases waiting workers and hands out nothing more', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add('x');
    expect(await q.get()).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });

  it('reports depth', () => {
    const depths: number[] = [];
    const q = new WorkQueue({ hooks: { onDepth: (d) => depths.push(d) } });
    q.add('a');
    q.add('b');
    void q.get();
    expect(depths).toEqual([1, 2, 1]);
  });
});

describe('ManualClock', () => {
  it('fires timers in due order, including ones set while firing', () => {
    const c = new ManualClock(0);
    const seen: string[] = [];
    c.setTimeout(() => seen.push('b@20'), 20);
    c.setTimeout(() => {
      seen.push('a@10');
      c.setTimeout(() => seen.push('c@15'), 5);
    }, 10);
    const h = c.setTimeout(() => seen.push('never'), 15);
    c.clearTimeout(h);
    c.advance(100);
    expect(seen).toEqual(['a@10', 'c@15', 'b@20']);
    expect(c.now()).toBe(100);
  });
});
