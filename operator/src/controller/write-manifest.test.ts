import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinRegistry, ExperimentLayout, FileStore, formatFailureRecord, runAndPromote, runIdOf, type Manifest } from 'swarmlab';
import { parseIntervals } from '../status/intervals.ts';
import { CheckedRuns, type KeptRuns } from './checked-runs.ts';
import type { Calls } from './deps.ts';
import { MemoryStore } from './memory-store.test-support.ts';
import { queueSweep } from './queue-sweep.test-support.ts';
import { writeManifest } from './write-manifest.ts';

// The manifest of a sweep whose pods ran blocks of runs: a pod's failure
// stands for the runs of its block left without outputs or a record.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const calls: Calls = { api: (_verb, fn) => fn(), store: (_op, fn) => fn() };

const exp = queueSweep('blocks', 9, 3);

describe('writeManifest with blocks of runs', { timeout: 30_000 }, () => {
  it('a failed pod\'s code stands for the runs of its block without outputs; a run\'s own record wins; promoted runs are succeeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-manifest-'));
    dirs.push(dir);
    const store = new FileStore(dir);
    const layout = ExperimentLayout.of(exp);
    // Block 0 (runs 0-2) and the first run of block 1 were promoted before block 1's pod was killed for memory; run 4 had failed on its own before.
    for (const index of [0, 1, 2, 3]) await runAndPromote(exp, index, store, { registry: builtinRegistry, attempt: 'pod-a' });
    await store.put(layout.failure(runIdOf(4, 9)), `${formatFailureRecord(runIdOf(4, 9), { index: 4, code: 'STORE_ERROR', message: 'the store said 503' })}\n`);
    const oom = { index: 3, code: 'OUT_OF_MEMORY', message: 'killed for exceeding its memory limit', block: [3, 5] as const };

    const written = await writeManifest(calls, { exp, store, layout, succeeded: [[0, 3]], failures: [oom], notRun: { code: 'NOT_STARTED', message: 'budget' } });
    const manifest = JSON.parse((await store.get(layout.manifest))!.toString('utf8')) as Manifest;
    expect(written.digest).toBe(manifest.digest);
    expect(manifest.runs.map((r) => [r.index, r.status, r.error?.code])).toEqual([
      [0, 'succeeded', undefined],
      [1, 'succeeded', undefined],
      [2, 'succeeded', undefined],
      [3, 'succeeded', undefined],
      [4, 'failed', 'STORE_ERROR'],
      [5, 'failed', 'OUT_OF_MEMORY'],
      // Blocks no pod failed on, never run: the budget's cause.
      [6, 'failed', 'NOT_STARTED'],
      [7, 'failed', 'NOT_STARTED'],
      [8, 'failed', 'NOT_STARTED'],
    ]);
  });

  it('with the budget spent, the runs a stopped pod left INTERRUPTED are the budget\'s NOT_STARTED; without it they stay INTERRUPTED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-manifest-'));
    dirs.push(dir);
    const store = new FileStore(dir);
    const layout = ExperimentLayout.of(exp);
    // Block 0 failed on its own; block 1's pod had started when the operator stopped the Job for the budget.
    const invalid = { index: 0, code: 'INVALID_OUTPUT', message: 'broke its schema', block: [0, 2] as const };
    const stopped = { index: 3, code: 'INTERRUPTED', message: 'the pod was stopped after 0 of 3 runs', block: [3, 5] as const };
    const budget = { code: 'NOT_STARTED', message: 'budget' };
    await writeManifest(calls, { exp, store, layout, succeeded: [], failures: [invalid, stopped], notRun: budget });
    const codes = (JSON.parse((await store.get(layout.manifest))!.toString('utf8')) as Manifest).runs.map((r) => r.error?.code);
    expect(codes).toEqual(['INVALID_OUTPUT', 'INVALID_OUTPUT', 'INVALID_OUTPUT', ...Array<string>(6).fill('NOT_STARTED')]);
    const other = new FileStore(join(dir, 'other'));
    await writeManifest(calls, { exp, store: other, layout, succeeded: [], failures: [invalid, stopped] });
    const unbudgeted = (JSON.parse((await other.get(layout.manifest))!.toString('utf8')) as Manifest).runs.map((r) => r.error?.code);
    expect(unbudgeted.slice(0, 6)).toEqual(['INVALID_OUTPUT', 'INVALID_OUTPUT', 'INVALID_OUTPUT', 'INTERRUPTED', 'INTERRUPTED', 'INTERRUPTED']);
  });
});

describe('writeManifest with runs checked as their blocks finished', { timeout: 30_000 }, () => {
  const TOTAL = 9;
  const layout = ExperimentLayout.of(exp);
  let store: MemoryStore;

  beforeEach(async () => {
    store = new MemoryStore();
    for (let i = 0; i < TOTAL; i++) await runAndPromote(exp, i, store, { registry: builtinRegistry, attempt: 'pod' });
  });

  /** The outcomes of checking `ready` the way the reconciler does while the sweep runs. */
  async function checkedEarlier(ready: string): Promise<KeptRuns> {
    const checked = new CheckedRuns((_op, fn) => fn());
    checked.offer({ experiment: 'uid', key: 'key', exp, store, layout, ready: parseIntervals(ready) });
    return checked.settle('uid', 'key');
  }

  /** Run indexes whose files the store was asked about since the last reset. */
  function runsRead(): number[] {
    return Array.from({ length: TOTAL }, (_, i) => i).filter((i) => store.requests.some((r) => r.includes(`/${runIdOf(i, TOTAL)}`)));
  }

  async function manifestOf(kept?: KeptRuns): Promise<{ text: string; digest: string; altered: number[] }> {
    const written = await writeManifest(calls, { exp, store, layout, succeeded: [[0, TOTAL - 1]], failures: [], ...(kept !== undefined ? { kept } : {}) });
    return { text: store.bytes(layout.manifest)!.toString('utf8'), digest: written.digest, altered: (written.altered ?? []).map((a) => a.index) };
  }

  it('reads again only the runs not checked earlier', async () => {
    const kept = await checkedEarlier('0-5');
    store.requests.length = 0;
    await manifestOf(kept);
    expect(runsRead()).toEqual([6, 7, 8]);
  });

  it('writes the same bytes and digest with or without the kept outcomes', async () => {
    const without = await manifestOf();
    const kept = await checkedEarlier('0-8');
    store.requests.length = 0;
    const withKept = await manifestOf(kept);
    expect(runsRead()).toEqual([]);
    expect(withKept.text).toBe(without.text);
    expect(withKept.digest).toBe(without.digest);
    expect((JSON.parse(withKept.text) as Manifest).counts).toEqual({ total: TOTAL, succeeded: TOTAL, failed: 0 });
  });

  it('a run found edited when it was checked is INVALID_OUTPUT, even if its file is put back before the end', async () => {
    const key = `${layout.run(runIdOf(4, TOTAL))}/metrics.parquet`;
    const original = store.bytes(key)!;
    store.replace(key, original.subarray(0, original.length - 1));
    const kept = await checkedEarlier('3-5');
    store.replace(key, original);
    const written = await manifestOf(kept);
    expect(written.altered).toEqual([4]);
    const run = (JSON.parse(written.text) as Manifest).runs[4]!;
    expect([run.status, run.error?.code]).toEqual(['failed', 'INVALID_OUTPUT']);
    expect(run.error?.message).toMatch(/the stored run no longer matches its run\.json \(metrics\.parquet: size/);
  });

  it('a kept run the store no longer shows succeeded is not counted', async () => {
    const kept = await checkedEarlier('0-8');
    const written = await writeManifest(calls, { exp, store, layout, succeeded: parseIntervals('0-6,8'), failures: [], kept, notRun: { code: 'NOT_STARTED', message: 'gone' } });
    const manifest = JSON.parse(store.bytes(layout.manifest)!.toString('utf8')) as Manifest;
    expect(manifest.digest).toBe(written.digest);
    expect([manifest.runs[7]?.status, manifest.runs[7]?.error?.code]).toEqual(['failed', 'NOT_STARTED']);
    expect(manifest.counts.succeeded).toBe(8);
  });
});
