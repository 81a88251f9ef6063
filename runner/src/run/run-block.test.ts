import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { parseExperimentText } from '../spec/load.ts';
import { runIdOf } from '../spec/plan.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { FAILPOINT_ENV } from './failpoints.ts';
import { runLocal } from './local-executor.ts';
import { blockFailure, blockOf, runBlock, type BlockResult } from './run-block.ts';

// A Job pod's block of runs: every run promoted on its own, a failure kept to
// its run, and a retried or resumed block skipping the runs already promoted.

const exp = parseExperimentText(tinySpec('block'));
const layout = ExperimentLayout.of(exp);
const dirs: string[] = [];
afterEach(() => {
  delete process.env[FAILPOINT_ENV];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { dir: string; store: FileStore } {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-block-'));
  dirs.push(dir);
  return { dir, store: new FileStore(dir) };
}

const runJson = (dir: string, index: number): string => readFileSync(join(dir, layout.runRecord(runIdOf(index, 6))), 'utf8');

describe('blockOf', () => {
  it('index i of a Job starting at run `offset` runs offset+i*n .. offset+(i+1)*n-1, the sweep\'s last block shorter', () => {
    expect(blockOf(0, 0, 1, 6)).toEqual({ first: 0, last: 0 });
    expect(blockOf(1, 0, 4, 6)).toEqual({ first: 4, last: 5 });
    expect(blockOf(2, 10, 5, 100)).toEqual({ first: 20, last: 24 });
    expect(blockOf(2, 0, 4, 6)).toBeUndefined();
  });
});

describe('runBlock', { timeout: 60_000 }, () => {
  it('promotes every run of its block and nothing else, with the bytes of swarmlab run, in this process or on 2 worker processes', async () => {
    const local = store();
    await runLocal(exp, { store: local.store, registry: builtinRegistry, workers: 1 });
    for (const workers of [1, 2]) {
      const pod = store();
      const r = await runBlock(exp, { first: 2, last: 4 }, { store: pod.store, registry: builtinRegistry, workers, attempt: 'pod-a' });
      expect(r.succeeded.map((x) => [x.index, x.resumed])).toEqual([
        [2, false],
        [3, false],
        [4, false],
      ]);
      expect(r).toMatchObject({ failures: [], notStarted: [] });
      expect(blockFailure(r)).toBeUndefined();
      expect(readdirSync(join(pod.dir, layout.runsPrefix)).sort()).toEqual(['run-000002', 'run-000003', 'run-000004']);
      for (const i of [2, 3, 4]) expect(runJson(pod.dir, i)).toBe(runJson(local.dir, i));
    }
  });

  it('a run that fails fails alone: the others are promoted, its record is in the store, and the pod reports it', async () => {
    process.env[FAILPOINT_ENV] = 'corrupt-output:3';
    const { dir, store: s } = store();
    const r = await runBlock(exp, { first: 0, last: 5 }, { store: s, registry: builtinRegistry, workers: 1, attempt: 'pod-a' });
    expect(r.succeeded.map((x) => x.index)).toEqual([0, 1, 2, 4, 5]);
    expect(r.failures).toEqual([expect.objectContaining({ index: 3, code: 'INVALID_OUTPUT', attempt: 'pod-a' })]);
    expect(blockFailure(r)).toMatchObject({ index: 3, code: 'INVALID_OUTPUT' });
    expect(JSON.parse(readFileSync(join(dir, layout.failure(runIdOf(3, 6))), 'utf8'))).toMatchObject({ index: 3, code: 'INVALID_OUTPUT' });

    // The Job retries the index: the retried pod skips the five runs promoted, after checking them, and runs the one that failed.
    delete process.env[FAILPOINT_ENV];
    const retried = await runBlock(exp, { first: 0, last: 5 }, { store: s, registry: builtinRegistry, workers: 1, attempt: 'pod-b' });
    expect(retried.failures).toEqual([]);
    expect(retried.succeeded.filter((x) => x.resumed).map((x) => x.index)).toEqual([0, 1, 2, 4, 5]);
    expect(retried.succeeded.filter((x) => !x.resumed).map((x) => x.index)).toEqual([3]);
    const provenance = (i: number) => JSON.parse(readFileSync(join(dir, layout.provenance(runIdOf(i, 6))), 'utf8')) as { attempt: string };
    expect(provenance(0).attempt).toBe('pod-a');
    expect(provenance(3).attempt).toBe('pod-b');
  });

  it('a resumed block re-checks the runs it skips: one edited since is a conflict of its own, the rest are kept', async () => {
    const { dir, store: s } = store();
    await runBlock(exp, { first: 0, last: 2 }, { store: s, registry: builtinRegistry, workers: 1, attempt: 'pod-a' });
    const metrics = join(dir, layout.runFile(runIdOf(1, 6), 'metrics.parquet'));
    chmodSync(metrics, 0o644);
    writeFileSync(metrics, Buffer.concat([readFileSync(metrics), Buffer.from([0])]));
    const again = await runBlock(exp, { first: 0, last: 2 }, { store: s, registry: builtinRegistry, workers: 1, attempt: 'pod-b' });
    expect(again.succeeded.map((x) => [x.index, x.resumed])).toEqual([
      [0, true],
      [2, true],
    ]);
    expect(again.failures).toEqual([expect.objectContaining({ index: 1, code: 'OUTPUT_CONFLICT' })]);
  });

  it('stopped (the pod asked to end): runs in flight finish and are kept, the rest are not started, and the pod reports INTERRUPTED', async () => {
    const { store: s } = store();
    const stop = new AbortController();
    stop.abort();
    const r = await runBlock(exp, { first: 0, last: 5 }, { store: s, registry: builtinRegistry, workers: 1, attempt: 'pod-a', signal: stop.signal });
    expect(r.notStarted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(blockFailure(r)).toMatchObject({ index: 0, code: 'INTERRUPTED', message: expect.stringContaining('after 0 of 6 runs of its block (runs 0-5)') });
  });
});

describe('blockFailure (what the pod exits with)', () => {
  const result = (failures: BlockResult['failures']): BlockResult => ({ block: { first: 0, last: 9 }, succeeded: [], failures, notStarted: [] });

  it('a retryable failure first, so that the Job retries the index; else the first failure, which fails it', () => {
    const conflict = { index: 2, code: 'OUTPUT_CONFLICT', message: 'x' };
    const outage = { index: 7, code: 'STORE_ERROR', message: 'y' };
    expect(blockFailure(result([conflict, outage]))).toBe(outage);
    expect(blockFailure(result([conflict, { index: 8, code: 'INVALID_OUTPUT', message: 'z' }]))).toBe(conflict);
    expect(blockFailure(result([]))).toBeUndefined();
  });
});
