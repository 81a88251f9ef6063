import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { decide } from '../status/decide.ts';
import { parseIntervals } from '../status/intervals.ts';
import { runsPerPodOf } from '../jobs/layout.ts';
import { combineParts } from './job-parts.ts';

function job(name: string, s: { completed?: string; failed?: string; active?: number; suspend?: boolean; done?: 'Complete' | 'Failed' }): V1Job {
  return {
    metadata: { name },
    spec: { template: {}, suspend: s.suspend ?? false },
    status: {
      completedIndexes: s.completed,
      failedIndexes: s.failed,
      active: s.active ?? 0,
      failed: s.failed === undefined ? 0 : 1,
      conditions: s.done === undefined ? [] : [{ type: s.done, status: 'True', reason: s.done === 'Failed' ? 'FailedIndexes' : 'Completed', message: '' }],
    },
  };
}

/** A part of one run a pod from run `offset`, as big as any test here needs. */
function part(offset: number, runsPerPod = 1) {
  return { offset, size: 1_000, runsPerPod };
}

describe('combineParts (a sweep split over Jobs seen as one)', () => {
  it('maps each part\'s local indexes to global run indexes and sums active pods', () => {
    const o = combineParts(
      [
        { job: job('e-1-0-p0', { completed: '0-4', done: 'Complete' }), part: part(0) },
        { job: job('e-1-0-p1', { completed: '0,2-4', failed: '1', active: 0, done: 'Failed' }), part: part(5) },
        { job: job('e-1-0-p2', { completed: '0', active: 1 }), part: part(10) },
      ],
      0,
    );
    expect(o.completedIndexes).toBe('0-5,7-10');
    expect(o.failedIndexes).toBe('6');
    expect(o.active).toBe(1);
    expect(o.finished).toBeUndefined();
    expect(o.name).toBe('e-1-0-p0 .. e-1-0-p2 (3 Jobs)');
  });

  it('finished only when every part is, Failed when any part failed', () => {
    const parts = [
      { job: job('a', { completed: '0-4', done: 'Complete' }), part: part(0) },
      { job: job('b', { completed: '1', failed: '0', done: 'Failed' }), part: part(5) },
    ];
    expect(combineParts(parts, 3)).toMatchObject({ generation: 3, finished: { type: 'Failed', reason: 'FailedIndexes' } });
    expect(combineParts([parts[0]!], 3).finished).toMatchObject({ type: 'Complete' });
  });

  it('suspended only when every part is; a half-suspended split is resumed by decide', () => {
    const half = combineParts(
      [
        { job: job('a', { suspend: true }), part: part(0) },
        { job: job('b', { suspend: false }), part: part(2) },
      ],
      0,
    );
    expect(half).toMatchObject({ suspended: false, someSuspended: true });
    const d = decide({
      generation: 1,
      now: new Date('2025-01-01T00:00:00Z'),
      previous: { phase: 'Running', specDigest: 'd', jobGeneration: 0 },
      invalid: undefined,
      digest: 'd',
      total: 4,
      resultsURI: 's3://b/x/',
      suspend: false,
      job: half,
      store: { ok: true, succeeded: parseIntervals('0') },
      failures: [{ index: 3, code: 'INVALID_OUTPUT', message: 'bad' }],
      manifest: undefined,
      results: undefined,
      parallelism: [],
    });
    expect(d.actions).toEqual([{ kind: 'setJobSuspend', name: 'a .. b (2 Jobs)', suspend: false }]);
    expect(d.status.runs).toMatchObject({ total: 4, succeeded: 1 });
  });

  it('a global failed index from a later part is reported as failed in status', () => {
    const o = combineParts(
      [
        { job: job('a', { completed: '0-1', done: 'Complete' }), part: part(0) },
        { job: job('b', { completed: '0', failed: '1', done: 'Failed' }), part: part(2) },
      ],
      0,
    );
    const d = decide({
      generation: 1,
      now: new Date('2025-01-01T00:00:00Z'),
      previous: { phase: 'Running', specDigest: 'd', jobGeneration: 0 },
      invalid: undefined,
      digest: 'd',
      total: 4,
      resultsURI: 's3://b/x/',
      suspend: false,
      job: o,
      store: { ok: true, succeeded: parseIntervals('0-2') },
      failures: [{ index: 3, code: 'INVALID_OUTPUT', message: 'bad' }],
      manifest: { uri: 's3://b/x/manifest.json', digest: 'm' },
      results: undefined,
      parallelism: [],
    });
    expect(d.status.phase).toBe('Failed');
    expect(d.status.failedIndexes).toBe('3');
    expect(d.status.succeededIndexes).toBe('0-2');
    expect(d.status.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 3, failed: 1 });
  });
});

describe('combineParts with blocks of runs (a completion index runs several)', () => {
  it('completed and failed indexes become the runs of their blocks; active pods count their blocks\' runs', () => {
    const o = combineParts(
      [
        { job: job('e-1-0-p0', { completed: '0,2', failed: '1', active: 0, done: 'Failed' }), part: { offset: 0, size: 30, runsPerPod: 10 } },
        { job: job('e-1-0-p1', { completed: '0', active: 1 }), part: { offset: 30, size: 25, runsPerPod: 10 } },
      ],
      0,
    );
    expect(o.completedIndexes).toBe('0-9,20-39');
    expect(o.failedIndexes).toBe('10-19');
    // The last block of the sweep is short: 50-54.
    expect(o.active).toBe(10);
  });

  it('decide counts runs, not pods: a failed index fails only its runs without outputs', () => {
    const o = combineParts([{ job: job('e', { completed: '0', failed: '1', active: 1 }), part: { offset: 0, size: 25, runsPerPod: 10 } }], 0);
    const d = decide({
      generation: 1,
      now: new Date('2025-01-01T00:00:00Z'),
      previous: { phase: 'Running', specDigest: 'd', jobGeneration: 0 },
      invalid: undefined,
      digest: 'd',
      total: 25,
      resultsURI: 's3://b/x/',
      suspend: false,
      job: o,
      // Block 1 (runs 10-19) failed after promoting 10-16; block 2 (20-24) runs.
      store: { ok: true, succeeded: parseIntervals('0-16') },
      failures: [{ index: 17, code: 'INVALID_OUTPUT', message: 'bad' }],
      manifest: undefined,
      results: undefined,
      parallelism: [],
    });
    expect(d.status.runs).toEqual({ total: 25, pending: 0, running: 5, succeeded: 17, failed: 3 });
    expect(d.status.failedIndexes).toBe('17-19');
  });

  it('the Job\'s block size is read back from its annotation; a Job without one runs one run a pod', () => {
    expect(runsPerPodOf({ metadata: { annotations: { 'swarmlab.io/runs-per-pod': '250' } } })).toBe(250);
    expect(runsPerPodOf({ metadata: {} })).toBe(1);
    expect(runsPerPodOf({ metadata: { annotations: { 'swarmlab.io/runs-per-pod': 'many' } } })).toBe(1);
  });
});
