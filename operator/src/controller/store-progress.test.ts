import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentLayout, FileStore } from 'swarmlab';
import type { StorageOp } from '../http/metrics.ts';
import { fromIndexes, parseIntervals } from '../status/intervals.ts';
import { FULL_LIST_EVERY_MS, MAX_CONFIRM_READS, StoreProgress, type StoreProgressQuery } from './store-progress.ts';

const TOTAL = 1000;
const layout = new ExperimentLayout('sweep', 'ab'.repeat(32));
let dir: string;
let store: FileStore;
let ops: StorageOp[];
let progress: StoreProgress;

/** Writes a run's outputs the way the runner does: its files, then run.json. */
async function succeed(...indexes: number[]): Promise<void> {
  for (const i of indexes) {
    const id = `run-${String(i).padStart(6, '0')}`;
    await store.putIfAbsent(layout.runFile(id, 'summary.json'), '{}\n');
    await store.putIfAbsent(layout.runRecord(id), '{}\n');
  }
}

function query(completed: string, extra: Partial<StoreProgressQuery> = {}): StoreProgressQuery {
  return { key: 'uid/digest/0', store, layout, total: TOTAL, completed: parseIntervals(completed), finished: false, now: 0, ...extra };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-progress-'));
  store = new FileStore(dir);
  ops = [];
  progress = new StoreProgress((op, fn) => {
    ops.push(op);
    return fn();
  });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('StoreProgress (succeeded runs from the store, without listing on every pass)', () => {
  it('lists once, then reads only the run.json of runs the Jobs newly report completed', async () => {
    await succeed(0, 1, 2);
    expect(await progress.succeeded(query('0-2'))).toEqual(fromIndexes([0, 1, 2]));
    expect(ops).toEqual(['list']);

    await succeed(3, 5);
    ops = [];
    expect(await progress.succeeded(query('0-3,5'))).toEqual(parseIntervals('0-3,5'));
    expect(ops).toEqual(['get', 'get']);

    ops = [];
    expect(await progress.succeeded(query('0-3,5'))).toEqual(parseIntervals('0-3,5'));
    expect(ops).toEqual([]);
  });

  it('a completed index without run.json is not counted, and is read again on the next pass', async () => {
    await progress.succeeded(query(''));
    expect(await progress.succeeded(query('7'))).toEqual([]);
    await succeed(7);
    ops = [];
    expect(await progress.succeeded(query('7'))).toEqual(parseIntervals('7'));
    expect(ops).toEqual(['get']);
  });

  it('lists again when the Jobs finish: a run whose outputs were written before its pod failed counts', async () => {
    await progress.succeeded(query(''));
    await succeed(0, 4);
    // Index 4's pod failed after promoting its outputs: the Job reports only 0.
    expect(await progress.succeeded(query('0'))).toEqual(parseIntervals('0'));
    ops = [];
    expect(await progress.succeeded(query('0', { finished: true }))).toEqual(fromIndexes([0, 4]));
    expect(ops).toEqual(['list']);
    ops = [];
    await progress.succeeded(query('0', { finished: true }));
    expect(ops).toEqual([]);
  });

  it(`lists instead of reading when more than ${MAX_CONFIRM_READS} runs are to be confirmed`, async () => {
    await progress.succeeded(query(''));
    const many = Array.from({ length: MAX_CONFIRM_READS + 1 }, (_, i) => i);
    await succeed(...many);
    ops = [];
    expect(await progress.succeeded(query(`0-${MAX_CONFIRM_READS}`))).toEqual(fromIndexes(many));
    expect(ops).toEqual(['list']);
  });

  it('lists again after a while, so outputs removed from the store stop counting', async () => {
    await succeed(0, 1);
    await progress.succeeded(query('0-1'));
    rmSync(join(dir, layout.run('run-000001')), { recursive: true });
    expect(await progress.succeeded(query('0-1', { now: FULL_LIST_EVERY_MS - 1 }))).toEqual(parseIntervals('0-1'));
    expect(await progress.succeeded(query('0-1', { now: FULL_LIST_EVERY_MS }))).toEqual(parseIntervals('0'));
  });

  it('a failed listing is not remembered: the next pass lists again', async () => {
    let failing = true;
    const flaky = new StoreProgress((op, fn) => {
      ops.push(op);
      if (failing) return Promise.reject(new Error('store down'));
      return fn();
    });
    await succeed(2);
    await expect(flaky.succeeded(query('2'))).rejects.toThrow('store down');
    failing = false;
    ops = [];
    expect(await flaky.succeeded(query('2'))).toEqual(parseIntervals('2'));
    expect(ops).toEqual(['list']);
  });

  it('each key (a spec, a Job generation) is listed on its own', async () => {
    await succeed(0);
    await progress.succeeded(query('0'));
    ops = [];
    await progress.succeeded(query('0', { key: 'uid/digest/1' }));
    expect(ops).toEqual(['list']);
  });
});
