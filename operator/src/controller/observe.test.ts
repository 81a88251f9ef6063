import { ApiException, type V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobName } from '../jobs/names.ts';
import type { Calls, ReconcilerDeps } from './deps.ts';
import { observeRunsPerPod, observeWorkloads } from './observe.ts';

// Which block size a generation's Jobs were made with: read back from them.

const digest = 'abcdef0123456789'.repeat(4);
const q = { name: 'e', namespace: 'lab', uid: 'u-1', digest, jobGeneration: 2 };
const calls: Calls = { api: (_verb, fn) => fn(), store: (_op, fn) => fn() };

function job(name: string, uid: string, runsPerPod?: number): V1Job {
  return {
    metadata: {
      name,
      ownerReferences: [{ apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', name: 'e', uid }],
      ...(runsPerPod !== undefined ? { annotations: { 'swarmlab.io/runs-per-pod': String(runsPerPod) } } : {}),
    },
  };
}

/** An informer cache and an API server holding `cached` and `served`; `gets` records every GET. */
function world(cached: readonly V1Job[], served: readonly V1Job[]) {
  const gets: string[] = [];
  const byName = (list: readonly V1Job[], name: string) => list.find((j) => j.metadata?.name === name);
  const deps = {
    jobs: { get: (name: string) => byName(cached, name) },
    batch: {
      readNamespacedJob: ({ name }: { name: string }) => {
        gets.push(name);
        const found = byName(served, name);
        return found !== undefined ? Promise.resolve(found) : Promise.reject(new ApiException(404, 'not found', '', {}));
      },
    },
  } as unknown as Pick<ReconcilerDeps, 'jobs' | 'batch'>;
  return { deps, gets };
}

describe('observeRunsPerPod', () => {
  const unsplit = jobName('e', digest, 2);
  const part0 = jobName('e', digest, 2, 0);

  it('reads the annotation of the generation\'s first Job from the cache, unsplit or part 0, with no request', async () => {
    for (const first of [job(unsplit, 'u-1', 250), job(part0, 'u-1', 250)]) {
      const w = world([first], []);
      expect(await observeRunsPerPod(w.deps, calls, q)).toBe(250);
      expect(w.gets).toEqual([]);
    }
  });

  it('a Job without the annotation (made before blocks) runs one run a pod', async () => {
    expect(await observeRunsPerPod(world([job(unsplit, 'u-1')], []).deps, calls, q)).toBe(1);
  });

  it('a Job the informer has not seen yet is read from the API server', async () => {
    const w = world([], [job(part0, 'u-1', 7)]);
    expect(await observeRunsPerPod(w.deps, calls, q)).toBe(7);
    expect(w.gets).toEqual([unsplit, part0]);
  });

  it('no Job of the generation, or one of an earlier Experiment of the name: undefined (a new generation takes the spec\'s block size)', async () => {
    expect(await observeRunsPerPod(world([], []).deps, calls, q)).toBeUndefined();
    expect(await observeRunsPerPod(world([job(unsplit, 'u-0', 9)], [job(unsplit, 'u-0', 9)]).deps, calls, q)).toBeUndefined();
  });
});

describe('observeWorkloads', () => {
  const part = { part: 0, parts: 1, offset: 0, size: 4, runsPerPod: 1, indexes: 4 };
  const jobWithUid = (uid: string): V1Job => ({ metadata: { name: `j-${uid}`, uid } });
  const admitted = (uid: string) => ({
    metadata: { name: `w-${uid}`, labels: { 'kueue.x-k8s.io/job-uid': uid } },
    spec: { active: true },
    status: { conditions: [{ type: 'Admitted', status: 'True', reason: 'Admitted', message: '' }] },
  });

  it('lists the Workloads of the Jobs found in one call, by Kueue\'s Job-UID label', async () => {
    const requests: unknown[] = [];
    const custom = {
      listNamespacedCustomObject: (req: unknown) => {
        requests.push(req);
        return Promise.resolve({ items: [admitted('a'), admitted('b'), { not: 'a workload' }] });
      },
    } as unknown as ReconcilerDeps['custom'];
    const out = await observeWorkloads({ custom }, calls, 'lab', 'team-a', [{ job: jobWithUid('a'), part }, { job: jobWithUid('b'), part }]);
    expect(requests).toEqual([{ group: 'kueue.x-k8s.io', version: 'v1beta2', plural: 'workloads', namespace: 'lab', labelSelector: 'kueue.x-k8s.io/job-uid in (a,b)' }]);
    expect(out.queue).toMatchObject({ queueName: 'team-a', admitted: true, allActive: true });
    expect(out.workloads.map((w) => w.metadata.name)).toEqual(['w-a', 'w-b']);
  });

  it('without the Workload API (Kueue not installed) the Jobs wait and the reason says so; no Jobs, no call', async () => {
    let listed = 0;
    const custom = {
      listNamespacedCustomObject: () => {
        listed++;
        return Promise.reject(new ApiException(404, 'not found', {}, {}));
      },
    } as unknown as ReconcilerDeps['custom'];
    const out = await observeWorkloads({ custom }, calls, 'lab', 'team-a', [{ job: jobWithUid('a'), part }]);
    expect(out.queue).toMatchObject({ admitted: false, undecided: false, waiting: { reason: 'KueueNotInstalled', message: expect.stringContaining('install Kueue') } });
    expect((await observeWorkloads({ custom }, calls, 'lab', 'team-a', [])).queue.admitted).toBe(false);
    expect(listed).toBe(1);
  });
});
