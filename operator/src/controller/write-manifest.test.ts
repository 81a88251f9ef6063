import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry, ExperimentLayout, FileStore, formatFailureRecord, parseExperiment, runAndPromote, runIdOf, type Manifest } from 'swarmlab';
import type { Calls } from './deps.ts';
import { writeManifest } from './write-manifest.ts';

// The manifest of a sweep whose pods ran blocks of runs: a pod's failure
// stands for the runs of its block left without outputs or a record.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const calls: Calls = { api: (_verb, fn) => fn(), store: (_op, fn) => fn() };

const exp = parseExperiment({
  apiVersion: 'swarmlab.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'blocks' },
  spec: {
    scenario: {
      modules: [
        { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.7, target: 'server' } },
        { kind: 'agent', module: 'service-queue', name: 'server', config: { serviceRate: 1.0 } },
      ],
      horizon: { time: 20 },
    },
    sweep: { seeds: { base: 1, replicas: 9 } },
    execution: { runsPerPod: 3 },
  },
});

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
});
