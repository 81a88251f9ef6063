import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, type BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry, ExperimentLayout, FileStore, parseExperimentText, readRoundFile, roundRunAt, runAndPromote, runLocal, specDigest, storeRoundFile } from 'swarmlab';
import { roundJobName } from '../jobs/names.ts';
import type { Calls } from './deps.ts';
import { RoundsObserver } from './observe-rounds.ts';
import { writeRoundsManifest } from './write-rounds-manifest.ts';

// The operator's side of an adaptive sweep without a cluster: each round's
// run list written as the operator writes it, its runs run as its Job's pods
// run them (position i of the list at completion index i, through
// runAndPromote), its Job then seen finished. The rounds and the manifest
// are swarmlab run's, byte for byte; and an operator restarted mid-sweep
// replays the same rounds from the store.

const exp = parseExperimentText(`apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: both-ways }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f, config: { noise: 0.2 } }]
    horizon: { time: 1 }
  sweep:
    seeds: { base: 4 }
    breakingPoint:
      parameter: f.x1
      range: { min: -1.5, max: 1.5 }
      criterion: { metric: metric.f.y, op: '>=', value: 0.5 }
      tolerance: 0.05
      seedsPerRound: 3
      maxSeeds: 9
  output: { trace: { level: final } }
`);
const digest = specDigest(exp);
const uid = 'uid-1';
const work = mkdtempSync(join(tmpdir(), 'swarmlab-observe-rounds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const calls: Calls = { api: (_verb, fn) => fn(), store: (_op, fn) => fn() };

/** Jobs the fake API server holds, by name. */
function fakeCluster() {
  const jobs = new Map<string, V1Job>();
  const batch = {
    readNamespacedJob: ({ name }: { name: string }) => {
      const job = jobs.get(name);
      return job === undefined ? Promise.reject(new ApiException(404, 'not found', {}, {})) : Promise.resolve(job);
    },
  } as unknown as BatchV1Api;
  const finished = (name: string): V1Job => ({ metadata: { name, ownerReferences: [{ apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', name: 'both-ways', uid }] }, status: { conditions: [{ type: 'Complete', status: 'True' }] } });
  return { jobs, deps: { jobs: { get: (name: string) => jobs.get(name) }, batch, log: () => undefined }, finished };
}

describe('an adaptive sweep the operator\'s way', () => {
  it('gives swarmlab run\'s rounds and manifest digest, and a restarted operator replays the same rounds', async () => {
    const local = await runLocal(exp, { store: new FileStore(join(work, 'local')), registry: builtinRegistry, workers: 1 });

    const store = new FileStore(join(work, 'cluster'));
    const layout = ExperimentLayout.of(exp);
    const cluster = fakeCluster();
    const query = { key: 'k', name: 'both-ways', namespace: 'lab', uid, digest, exp, store, layout };
    let observer = new RoundsObserver(cluster.deps, calls);
    let rounds = 0;
    for (;;) {
      const seen = await observer.observe(query);
      if (seen.state.ended) break;
      expect(seen.job).toBeUndefined();
      const round = seen.plan.rounds[seen.state.round]!;
      await storeRoundFile(store, layout, round);
      // The round's pods: each reads its position of the run list from the store.
      const list = await readRoundFile(store, layout, round.round);
      for (let k = 0; k < list.runs; k++) await runAndPromote(exp, roundRunAt(list, k)!, store, { registry: builtinRegistry, attempt: `pod-${k}` });
      const name = roundJobName('both-ways', digest, round.round);
      cluster.jobs.set(name, cluster.finished(name));
      rounds++;
      // Half way, the operator restarts: nothing remembered, everything replayed from the Jobs and the store.
      if (rounds === 3) observer = new RoundsObserver(cluster.deps, calls);
    }
    expect(rounds).toBeGreaterThan(3);
    const final = await new RoundsObserver(cluster.deps, calls).observe(query);
    expect(final.state).toEqual({ round: rounds - 1, planned: local.total, openPoints: 0, ended: true });
    expect(final.failed).toBe(0);
    const manifest = await writeRoundsManifest(calls, exp, { plan: final.plan, store, layout, pending: [] });
    expect(manifest.digest).toBe(local.manifest.digest);
  });

  it('settles a round whose Job is gone once every run of it has outputs', async () => {
    const store = new FileStore(join(work, 'gone'));
    const layout = ExperimentLayout.of(exp);
    const cluster = fakeCluster();
    const query = { key: 'gone', name: 'both-ways', namespace: 'lab', uid, digest, exp, store, layout };
    const first = await new RoundsObserver(cluster.deps, calls).observe(query);
    expect(first.state.round).toBe(0);
    for (const i of first.plan.rounds[0]!.indices) await runAndPromote(exp, i, store, { registry: builtinRegistry, attempt: 'pod' });
    // No Job (deleted by its TTL): round 0's runs all have outputs, so round 1 comes next.
    const next = await new RoundsObserver(cluster.deps, calls).observe(query);
    expect(next.state.round).toBe(1);
    expect(next.pending.length).toBeGreaterThan(0);
  });
});
