import { beforeEach, describe, expect, it } from 'vitest';
import { builtinRegistry, ExperimentLayout, planRun, readRunForManifest, runAndPromote, runIdOf } from 'swarmlab';
import type { StorageOp } from '../http/metrics.ts';
import { parseIntervals } from '../status/intervals.ts';
import { CheckedRuns, type CheckOffer } from './checked-runs.ts';
import { MemoryStore } from './memory-store.test-support.ts';
import { queueSweep } from './queue-sweep.test-support.ts';

const exp = queueSweep('checked', 6, 2);
const layout = ExperimentLayout.of(exp);
const TOTAL = 6;

let store: MemoryStore;
let ops: StorageOp[];
let checked: CheckedRuns;

function offer(ready: string, over: Partial<CheckOffer> = {}): void {
  checked.offer({ experiment: 'uid-1', key: 'uid-1/digest/0/memory', exp, store, layout, ready: parseIntervals(ready), ...over });
}

/** Run indexes whose files the store was asked about since the last reset. */
function runsRead(): number[] {
  const ids = new Set<number>();
  for (const r of store.requests) {
    for (let i = 0; i < TOTAL; i++) if (r.includes(`/${runIdOf(i, TOTAL)}`)) ids.add(i);
  }
  return [...ids].sort((a, b) => a - b);
}

beforeEach(async () => {
  store = new MemoryStore();
  for (let i = 0; i < TOTAL; i++) await runAndPromote(exp, i, store, { registry: builtinRegistry, attempt: 'pod' });
  store.requests.length = 0;
  ops = [];
  checked = new CheckedRuns((op, fn) => {
    ops.push(op);
    return fn();
  });
});

describe('CheckedRuns (each run checked for the manifest as its block finishes)', { timeout: 30_000 }, () => {
  it('checks the runs offered, beside the caller, and keeps what the manifest would have read', async () => {
    offer('0-3');
    const kept = await checked.settle('uid-1', 'uid-1/digest/0/memory');
    expect(kept.size).toBe(4);
    expect(runsRead()).toEqual([0, 1, 2, 3]);
    expect(ops).toEqual(['get', 'get', 'get', 'get']);
    for (let i = 0; i < 4; i++) expect(kept.get(i)).toEqual(await readRunForManifest(store, layout, planRun(exp, i)));
    expect(kept.get(4)).toBeUndefined();
  });

  it('a run is checked once: offering it again reads nothing', async () => {
    offer('0-1');
    await checked.settle('uid-1', 'uid-1/digest/0/memory');
    store.requests.length = 0;
    offer('0-3');
    await checked.settle('uid-1', 'uid-1/digest/0/memory');
    expect(runsRead()).toEqual([2, 3]);
  });

  it('keeps the problems of a run edited before its check', async () => {
    const key = `${layout.run(runIdOf(2, TOTAL))}/metrics.parquet`;
    const original = store.bytes(key)!;
    store.replace(key, original.subarray(0, original.length - 1));
    offer('2');
    const kept = await checked.settle('uid-1', 'uid-1/digest/0/memory');
    expect(kept.get(2)).toEqual({ problems: [expect.stringMatching(/^metrics\.parquet: size/)] });
  });

  it('a new key of the Experiment (another spec, store or Job generation) starts empty and drops the old one', async () => {
    offer('0-5');
    await checked.settle('uid-1', 'uid-1/digest/0/memory');
    expect((await checked.settle('uid-1', 'uid-1/digest/1/memory')).size).toBe(0);
    store.requests.length = 0;
    offer('0-1', { key: 'uid-1/digest/1/memory' });
    expect((await checked.settle('uid-1', 'uid-1/digest/1/memory')).size).toBe(2);
    expect(runsRead()).toEqual([0, 1]);
    expect((await checked.settle('uid-1', 'uid-1/digest/0/memory')).size).toBe(0);
  });

  it('another Experiment has its own outcomes', async () => {
    offer('0-1');
    offer('4', { experiment: 'uid-2', key: 'uid-2/digest/0/memory' });
    expect((await checked.settle('uid-1', 'uid-1/digest/0/memory')).size).toBe(2);
    const other = await checked.settle('uid-2', 'uid-2/digest/0/memory');
    expect(other.size).toBe(1);
    expect(other.get(4)).toBeDefined();
  });

  it('a run whose check failed is not kept, and is checked again when offered again', async () => {
    let failing = true;
    const flaky = new CheckedRuns((_op, fn) => (failing ? Promise.reject(new Error('store down')) : fn()));
    flaky.offer({ experiment: 'uid-1', key: 'k', exp, store, layout, ready: parseIntervals('0') });
    expect((await flaky.settle('uid-1', 'k')).size).toBe(0);
    failing = false;
    flaky.offer({ experiment: 'uid-1', key: 'k', exp, store, layout, ready: parseIntervals('0') });
    expect((await flaky.settle('uid-1', 'k')).get(0)).toBeDefined();
  });

  it('a run without run.json keeps nothing, and indexes outside the sweep are never checked', async () => {
    store.delete(`${layout.run(runIdOf(3, TOTAL))}/`);
    store.delete(layout.runRecord(runIdOf(3, TOTAL)));
    offer('3,6-9');
    const kept = await checked.settle('uid-1', 'uid-1/digest/0/memory');
    expect(kept.size).toBe(0);
    expect(ops).toEqual(['get']);
  });

  /** CheckedRuns whose store reads each wait for the test to release them. */
  function heldChecks(concurrency: number): { runs: CheckedRuns; held: (() => void)[]; inFlight: () => number; most: () => number } {
    const held: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const runs = new CheckedRuns(async (_op, fn) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => held.push(resolve));
      try {
        return await fn();
      } finally {
        inFlight--;
      }
    }, concurrency);
    return { runs, held, inFlight: () => inFlight, most: () => most };
  }

  async function releaseAll(held: (() => void)[]): Promise<void> {
    while (held.length > 0) {
      held.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('offer returns before any read ends, and at most the concurrency given read at once', async () => {
    const h = heldChecks(2);
    h.runs.offer({ experiment: 'a', key: 'a', exp, store, layout, ready: parseIntervals('0-5') });
    expect(h.inFlight()).toBe(2);
    expect(store.requests).toEqual([]);
    await releaseAll(h.held);
    expect((await h.runs.settle('a', 'a')).size).toBe(6);
    expect(h.most()).toBe(2);
  });

  it('Experiments take turns: a large one does not hold back a small one', async () => {
    const h = heldChecks(1);
    const order: string[] = [];
    store.beforeRead = async (key) => {
      if (key.endsWith('run.json')) order.push(/run-00000[0-2]/.test(key) ? 'a' : 'b');
    };
    h.runs.offer({ experiment: 'a', key: 'a', exp, store, layout, ready: parseIntervals('0-2') });
    h.runs.offer({ experiment: 'b', key: 'b', exp, store, layout, ready: parseIntervals('3-5') });
    await releaseAll(h.held);
    await Promise.all([h.runs.settle('a', 'a'), h.runs.settle('b', 'b')]);
    // Run 0 started alone, before b was offered.
    expect(order).toEqual(['a', 'a', 'b', 'a', 'b', 'b']);
  });

  it('settle waits for the checks under way and drops the queued ones, which can be offered again', async () => {
    const one = new CheckedRuns((_op, fn) => fn(), 1);
    one.offer({ experiment: 'uid-1', key: 'k', exp, store, layout, ready: parseIntervals('0-5') });
    const kept = await one.settle('uid-1', 'k');
    expect(kept.size).toBe(1);
    expect(runsRead()).toEqual([0]);
    one.offer({ experiment: 'uid-1', key: 'k', exp, store, layout, ready: parseIntervals('0-5') });
    expect((await one.settle('uid-1', 'k')).size).toBe(2);
  });

  it('forget drops the outcomes; stop ends the checks under way and starts no more', async () => {
    offer('0-1');
    await checked.settle('uid-1', 'uid-1/digest/0/memory');
    checked.forget('uid-1', 'uid-1/digest/0/memory');
    expect((await checked.settle('uid-1', 'uid-1/digest/0/memory')).size).toBe(0);

    offer('2-5');
    await checked.stop();
    const kept = await checked.settle('uid-1', 'uid-1/digest/0/memory');
    const checkedBeforeStop = kept.size;
    offer('0-5');
    expect((await checked.settle('uid-1', 'uid-1/digest/0/memory')).size).toBe(checkedBeforeStop);
  });
});
