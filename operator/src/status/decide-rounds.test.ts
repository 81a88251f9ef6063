import { describe, expect, it } from 'vitest';
import { decideRounds, type RoundJobObservation, type RoundsObservation, type RoundsState } from './decide-rounds.ts';
import type { Intervals } from './intervals.ts';
import type { QueueObservation } from '../kueue/workloads.ts';

// decideRounds fed its own status back, round after round, as the reconciler
// does: the world (rounds replayed, the round's Job, the store) is what the
// test says it is at each pass.

const base = (over: Partial<RoundsObservation> & { rounds: RoundsState }): RoundsObservation => ({
  generation: 1,
  now: new Date('2026-12-01T20:00:00Z'),
  previous: undefined,
  digest: 'a'.repeat(64),
  resultsURI: 's3://bucket/exp/aaaaaaaaaaaaaaaa/',
  suspend: false,
  job: undefined,
  store: { ok: true, succeeded: [], failed: 0 },
  manifest: undefined,
  results: undefined,
  ...over,
});
const running = (name: string, active: number): RoundJobObservation => ({ name, suspended: false, active, finished: undefined });
const done = (name: string): RoundJobObservation => ({ name, suspended: false, active: 0, finished: { type: 'Complete', reason: 'Completed', message: '' } });
const ok = (succeeded: Intervals, failed = 0) => ({ ok: true as const, succeeded, failed });

describe('decideRounds', () => {
  it('starts each round with its run list and Job, waits for it, and ends with the manifest and the results Job', () => {
    // Round 0: 8 runs (two ends of a search, 4 seeds each).
    let d = decideRounds(base({ rounds: { round: 0, planned: 8, openPoints: 1, ended: false } }));
    expect(d.actions).toEqual([{ kind: 'ensureConfigMap' }, { kind: 'startRound', round: 0 }]);
    expect(d.status.phase).toBe('Pending');
    expect(d.status.rounds).toEqual({ current: 0, openPoints: 1, ended: false });
    expect(d.events.map((e) => e.reason)).toEqual(['Accepted']);

    d = decideRounds(base({ previous: d.status, rounds: { round: 0, planned: 8, openPoints: 1, ended: false }, job: running('exp-aaaaaaaa-r0', 4), store: ok([[0, 3]]) }));
    expect(d.actions).toEqual([]);
    expect(d.status.phase).toBe('Running');
    expect(d.status.runs).toEqual({ total: 8, pending: 0, running: 4, succeeded: 4, failed: 0 });
    expect(d.status.progress).toBe('4/8');
    expect(d.requeue).toBe(true);

    // Round 0's Job finished: the shell replays the rounds, round 1 (4 runs more) has no Job yet.
    d = decideRounds(base({ previous: d.status, rounds: { round: 1, planned: 12, openPoints: 1, ended: false }, job: undefined, store: ok([[0, 3], [200, 203]]) }));
    expect(d.actions).toEqual([{ kind: 'ensureConfigMap' }, { kind: 'startRound', round: 1 }]);
    expect(d.status.phase).toBe('Running');
    expect(d.status.rounds?.current).toBe(1);
    expect(d.status.succeededIndexes).toBe('0-3,200-203');

    // The rounds end: the manifest, then Complete and the results Job.
    d = decideRounds(base({ previous: d.status, rounds: { round: 1, planned: 12, openPoints: 0, ended: true }, job: done('exp-aaaaaaaa-r1'), store: ok([[0, 3], [100, 103], [200, 203]]) }));
    expect(d.actions).toEqual([{ kind: 'writeManifest' }]);
    expect(d.status.phase).toBe('Running');
    const manifest = { uri: 's3://bucket/exp/aaaaaaaaaaaaaaaa/manifest.json', digest: 'b'.repeat(64) };
    d = decideRounds(base({ previous: d.status, rounds: { round: 1, planned: 12, openPoints: 0, ended: true }, job: done('exp-aaaaaaaa-r1'), store: ok([[0, 3], [100, 103], [200, 203]]), manifest, results: { written: false, job: 'absent' } }));
    expect(d.status.phase).toBe('Complete');
    expect(d.actions).toEqual([{ kind: 'createResultsJob' }]);
    expect(d.status.rounds).toEqual({ current: 1, openPoints: 0, ended: true });
    expect(d.status.manifestDigest).toBe(manifest.digest);
    expect(d.events.map((e) => e.reason)).toEqual(['Complete']);
  });

  it('decides nothing while the store cannot be read, and keeps the counts it had', () => {
    const first = decideRounds(base({ rounds: { round: 2, planned: 20, openPoints: 3, ended: false }, job: running('j', 2), store: ok([[0, 9]]) }));
    const d = decideRounds(base({ previous: first.status, rounds: { round: 2, planned: 20, openPoints: 3, ended: false }, job: running('j', 2), store: { ok: false, message: 'connection refused' } }));
    expect(d.actions).toEqual([]);
    expect(d.status.runs?.succeeded).toBe(10);
    expect(d.status.conditions?.find((c) => c.type === 'StorageUnavailable')?.status).toBe('True');
  });

  it('stops the round once more runs failed than the budget, then writes the manifest with the rest not started', () => {
    const rounds = { round: 1, planned: 12, openPoints: 2, ended: false };
    let d = decideRounds(base({ maxFailedRuns: 1, rounds, job: running('j', 3), store: ok([[0, 5]], 2) }));
    expect(d.actions).toEqual([{ kind: 'setJobSuspend', name: 'j', suspend: true }]);
    d = decideRounds(base({ previous: d.status, maxFailedRuns: 1, rounds, job: { ...running('j', 0), suspended: true }, store: ok([[0, 5]], 2) }));
    expect(d.actions).toEqual([{ kind: 'writeManifest', notRun: expect.objectContaining({ code: 'NOT_STARTED' }) }]);
    d = decideRounds(base({ previous: d.status, maxFailedRuns: 1, rounds, job: { ...running('j', 0), suspended: true }, store: ok([[0, 5]], 2), manifest: { uri: 'm', digest: 'c'.repeat(64) }, results: { written: false, job: 'absent' } }));
    expect(d.status.phase).toBe('Failed');
    expect(d.status.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('MaxFailedRunsExceeded');
  });

  it('suspends and resumes the round\'s Job with spec.execution.suspend', () => {
    const rounds = { round: 0, planned: 8, openPoints: 1, ended: false };
    let d = decideRounds(base({ suspend: true, rounds, job: running('j', 2), store: ok([]) }));
    expect(d.actions).toEqual([{ kind: 'setJobSuspend', name: 'j', suspend: true }]);
    expect(d.status.phase).toBe('Suspended');
    d = decideRounds(base({ previous: d.status, rounds, job: { ...running('j', 0), suspended: true }, store: ok([]) }));
    expect(d.actions).toEqual([{ kind: 'setJobSuspend', name: 'j', suspend: false }]);
  });

  it('keeps status the same size whatever the round or the sweep', () => {
    const small = decideRounds(base({ rounds: { round: 0, planned: 8, openPoints: 1, ended: false }, job: running('j', 1), store: ok([[0, 3]]) }));
    const scattered: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i * 3, i * 3]);
    const big = decideRounds(base({ rounds: { round: 999, planned: 1_000_000, openPoints: 99_999, ended: false }, job: running('j', 1000), store: ok(scattered, 5) }));
    expect(JSON.stringify(big.status).length).toBeLessThan(JSON.stringify(small.status).length + 3000);
  });
});

describe('decideRounds under Kueue (spec.execution.queueName)', () => {
  const rounds = { round: 1, planned: 12, openPoints: 2, ended: false };
  const inRound1 = decideRounds(base({ rounds, job: running('exp-aaaaaaaa-r1', 2), store: ok([[0, 7]]) })).status;
  const admitted: QueueObservation = { queueName: 'team-a', admitted: true, allActive: true, allInactive: false, waiting: undefined, undecided: false };
  const waiting: QueueObservation = {
    ...admitted,
    admitted: false,
    waiting: { reason: 'Pending', message: "Workload job-exp-aaaaaaaa-r1 in LocalQueue team-a: couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default" },
  };
  const inactive: QueueObservation = { ...admitted, admitted: false, allActive: false, allInactive: true, waiting: { reason: 'Deactivated', message: 'inactive' } };
  const suspendedJob = { ...running('exp-aaaaaaaa-r1', 0), suspended: true };
  const cond = (d: ReturnType<typeof decideRounds>, type: string) => d.status.conditions?.find((c) => c.type === type);

  it.each([
    {
      name: 'the round\'s Job not admitted: Queued with Kueue\'s reason, the Job left suspended',
      over: { queue: waiting, job: suspendedJob },
      phase: 'Queued',
      queued: { status: 'True', reason: 'Pending', message: expect.stringContaining('insufficient unused quota') },
      actions: [],
    },
    {
      name: 'admitted and running: Running, Queued False',
      over: { queue: admitted, job: running('exp-aaaaaaaa-r1', 2) },
      phase: 'Running',
      queued: { status: 'False', reason: 'Admitted' },
      actions: [],
    },
    {
      name: 'Kueue has not made the round\'s Workload yet: Queued, nothing unsuspended',
      over: { queue: { ...admitted, admitted: false, undecided: true, waiting: { reason: 'WorkloadNotCreated', message: 'waiting for Kueue' } }, job: suspendedJob },
      phase: 'Queued',
      queued: { status: 'True', reason: 'WorkloadNotCreated' },
      actions: [],
    },
    {
      name: 'spec.execution.suspend: the Workload is deactivated, not the Job suspended',
      over: { suspend: true, queue: admitted, job: running('exp-aaaaaaaa-r1', 2) },
      phase: 'Suspended',
      queued: { status: 'False', reason: 'Suspended' },
      actions: [{ kind: 'setWorkloadsActive', active: false }],
    },
    {
      name: 'suspended and the Workload inactive: nothing more to do',
      over: { suspend: true, queue: inactive, job: suspendedJob },
      phase: 'Suspended',
      queued: { status: 'False', reason: 'Suspended' },
      actions: [],
    },
    {
      name: 'resumed: the Workload is reactivated for Kueue to admit again; the Job is not unsuspended by the operator',
      over: { queue: inactive, job: suspendedJob },
      phase: 'Queued',
      queued: { status: 'True', reason: 'Deactivated' },
      actions: [{ kind: 'setWorkloadsActive', active: true }],
    },
  ])('$name', ({ over, phase, queued, actions }) => {
    const d = decideRounds(base({ previous: inRound1, rounds, store: ok([[0, 7]]), ...over }));
    expect(d.status.phase).toBe(phase);
    expect(cond(d, 'Queued')).toMatchObject(queued);
    expect(d.actions).toEqual(actions);
  });

  it('a queued round holds no running runs, says so in Running and as an event, and starts a later round the same way', () => {
    const d = decideRounds(base({ previous: inRound1, rounds, queue: waiting, job: suspendedJob, store: ok([[0, 7]]) }));
    expect(d.status.runs).toEqual({ total: 12, pending: 4, running: 0, succeeded: 8, failed: 0 });
    expect(cond(d, 'Running')).toMatchObject({ status: 'False', reason: 'Queued', message: expect.stringContaining('LocalQueue team-a') });
    expect(d.events).toContainEqual({ type: 'Normal', reason: 'Queued', message: expect.stringContaining('LocalQueue team-a') });
    // The next round has no Job yet: it is started (its Job is created suspended for Kueue, build-round-job.ts).
    const next = decideRounds(base({ previous: d.status, rounds: { round: 2, planned: 16, openPoints: 1, ended: false }, queue: { ...admitted, admitted: false }, store: ok([[0, 11]]) }));
    expect(next.actions).toEqual([{ kind: 'ensureConfigMap' }, { kind: 'startRound', round: 2 }]);
  });

  it('a store outage while queued keeps the phase Queued', () => {
    const queued = decideRounds(base({ previous: inRound1, rounds, queue: waiting, job: suspendedJob, store: ok([[0, 7]]) }));
    const d = decideRounds(base({ previous: queued.status, rounds, queue: waiting, job: suspendedJob, store: { ok: false, message: 'connection refused' } }));
    expect(d.status.phase).toBe('Queued');
    expect(d.actions).toEqual([]);
  });

  it('the failure budget stops the round by deactivating its Workload, and writes the manifest only once it is inactive and no pod runs', () => {
    const spent = { maxFailedRuns: 1, rounds, previous: inRound1, store: ok([[0, 5]], 2) };
    const stopping = decideRounds(base({ ...spent, queue: admitted, job: running('j', 3) }));
    expect(stopping.actions).toEqual([{ kind: 'setWorkloadsActive', active: false }]);
    expect(cond(stopping, 'Running')).toMatchObject({ reason: 'StoppingRuns' });
    // Suspended and idle, but the Workload still active (Kueue could admit it again): keep stopping.
    const half = decideRounds(base({ ...spent, queue: { ...admitted, admitted: false }, job: { ...running('j', 0), suspended: true } }));
    expect(half.actions).toEqual([{ kind: 'setWorkloadsActive', active: false }]);
    // Kueue evicted and suspended the Job: its pods are still ending.
    expect(decideRounds(base({ ...spent, queue: inactive, job: { ...running('j', 2), suspended: true } })).actions).toEqual([]);
    const writing = decideRounds(base({ ...spent, queue: inactive, job: { ...running('j', 0), suspended: true } }));
    expect(writing.actions).toEqual([{ kind: 'writeManifest', notRun: expect.objectContaining({ code: 'NOT_STARTED' }) }]);
  });

  it('without Kueue the same observations still suspend and unsuspend the round\'s Job itself', () => {
    expect(decideRounds(base({ previous: inRound1, rounds, job: suspendedJob, store: ok([[0, 7]]) })).actions).toEqual([{ kind: 'setJobSuspend', name: 'exp-aaaaaaaa-r1', suspend: false }]);
    const d = decideRounds(base({ previous: inRound1, rounds, job: running('exp-aaaaaaaa-r1', 2), store: ok([[0, 7]]) }));
    expect(cond(d, 'Queued')).toMatchObject({ status: 'False', reason: 'NoQueue' });
  });
});
