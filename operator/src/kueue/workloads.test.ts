import { describe, expect, it } from 'vitest';
import { JOB_UID_LABEL, observeQueue, parseWorkloads } from './workloads.ts';

function workload(name: string, jobUid: string, over: { active?: boolean; conditions?: { type: string; status: string; reason?: string; message?: string }[] } = {}): unknown {
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'Workload',
    metadata: { name, namespace: 'ns', labels: { [JOB_UID_LABEL]: jobUid, 'kueue.x-k8s.io/queue-name': 'team-a' } },
    spec: { queueName: 'team-a', podSets: [{ name: 'main', count: 2 }], ...(over.active !== undefined ? { active: over.active } : {}) },
    status: { conditions: over.conditions ?? [] },
  };
}

const admittedConditions = [
  { type: 'QuotaReserved', status: 'True', reason: 'QuotaReserved', message: 'Quota reserved in ClusterQueue cq' },
  { type: 'Admitted', status: 'True', reason: 'Admitted', message: 'The workload is admitted' },
];
const pendingConditions = [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default, 1 more needed" }];

describe('Kueue Workloads -> queue observation', () => {
  it('admitted when every Job\'s Workload is admitted', () => {
    const q = observeQueue('team-a', ['u1', 'u2'], parseWorkloads([workload('w1', 'u1', { conditions: admittedConditions }), workload('w2', 'u2', { conditions: admittedConditions })]));
    expect(q).toEqual({ queueName: 'team-a', admitted: true, allActive: true, allInactive: false, waiting: undefined, undecided: false });
  });

  it('not admitted: Kueue\'s reason and message from QuotaReserved, naming the Workload and the LocalQueue', () => {
    const q = observeQueue('team-a', ['u1', 'u2'], parseWorkloads([workload('w1', 'u1', { conditions: admittedConditions }), workload('w2', 'u2', { conditions: pendingConditions })]));
    expect(q.admitted).toBe(false);
    expect(q.undecided).toBe(false);
    expect(q.waiting).toEqual({ reason: 'Pending', message: expect.stringMatching(/^Workload w2 in LocalQueue team-a: couldn't assign flavors .*insufficient unused quota/) });
  });

  it('evicted (preempted): the Evicted condition says why, whatever QuotaReserved says', () => {
    const evicted = [
      { type: 'QuotaReserved', status: 'False', reason: 'Preempted', message: 'Preempted to accommodate a workload' },
      { type: 'Evicted', status: 'True', reason: 'Preempted', message: 'Preempted to accommodate a workload (UID: x) due to prioritization in the ClusterQueue' },
    ];
    const q = observeQueue('team-a', ['u1'], parseWorkloads([workload('w1', 'u1', { conditions: evicted })]));
    expect(q.waiting).toMatchObject({ reason: 'Preempted', message: expect.stringContaining('prioritization') });
  });

  it('a Job without a Workload yet is waiting, and counts as active but not inactive', () => {
    const q = observeQueue('team-a', ['u1', 'u2'], parseWorkloads([workload('w1', 'u1', { active: false })]));
    expect(q).toMatchObject({ admitted: false, allActive: false, allInactive: false });
    expect(q.waiting?.reason).toBe('Deactivated');
    const none = observeQueue('team-a', ['u1'], []);
    expect(none).toMatchObject({ admitted: false, allActive: true, allInactive: false, waiting: { reason: 'WorkloadNotCreated' }, undecided: true });
    // A Workload Kueue has not tried to admit yet: undecided too (the operator looks again soon).
    expect(observeQueue('team-a', ['u1'], parseWorkloads([workload('w1', 'u1')]))).toMatchObject({ undecided: true, waiting: { reason: 'Pending' } });
  });

  it('allInactive only when every Job\'s Workload has spec.active false', () => {
    const both = parseWorkloads([workload('w1', 'u1', { active: false }), workload('w2', 'u2', { active: false })]);
    expect(observeQueue('team-a', ['u1', 'u2'], both)).toMatchObject({ allActive: false, allInactive: true, admitted: false });
  });

  it('Workloads of other Jobs are ignored; no Jobs means nothing admitted', () => {
    const other = parseWorkloads([workload('w9', 'u9', { conditions: admittedConditions })]);
    expect(observeQueue('team-a', ['u1'], other).admitted).toBe(false);
    expect(observeQueue('team-a', [], other)).toMatchObject({ admitted: false, allInactive: false });
  });

  it('skips list items that are not Workloads; a reason that is not CamelCase is not copied', () => {
    expect(parseWorkloads([{ metadata: {} }, 42, null])).toEqual([]);
    const odd = [{ type: 'QuotaReserved', status: 'False', reason: 'not a reason!', message: 'm' }];
    expect(observeQueue('q', ['u1'], parseWorkloads([workload('w1', 'u1', { conditions: odd })])).waiting?.reason).toBe('Pending');
  });
});
