import { describe, expect, it } from 'vitest';
import { decide, staysFinished, type JobObservation, type Observation, type QueueObservation } from './decide.ts';
import { parseIntervals } from './intervals.ts';
import type { ExperimentStatus } from '../api/status.ts';

const digest = 'd'.repeat(64);
const t0 = new Date('2026-01-02T03:04:05.678Z');

function obs(over: Partial<Observation> = {}): Observation {
  return {
    generation: 1,
    now: t0,
    previous: undefined,
    invalid: undefined,
    digest,
    total: 100,
    resultsURI: 's3://r/exp/dddddddddddddddd/',
    suspend: false,
    job: undefined,
    store: { ok: true, succeeded: [] },
    failures: [],
    manifest: undefined,
    results: undefined,
    parallelism: [],
    ...over,
  };
}

function job(over: Partial<JobObservation> = {}): JobObservation {
  return { name: 'exp-dddddddd-0', generation: 0, suspended: false, active: 0, completedIndexes: undefined, failedIndexes: undefined, finished: undefined, ...over };
}

const cond = (s: ExperimentStatus, type: string) => s.conditions?.find((c) => c.type === type);

/** Feeds a decision's status back in as the previous one, like the next reconcile would see it. */
function next(d: ReturnType<typeof decide>, over: Partial<Observation>): ReturnType<typeof decide> {
  return decide(obs({ previous: d.status, ...over }));
}

describe('decide', () => {
  it('a new Experiment: Pending, ConfigMap and Job 0 to create, Accepted event', () => {
    const d = decide(obs());
    expect(d.status.phase).toBe('Pending');
    expect(d.actions).toEqual([{ kind: 'ensureConfigMap' }, { kind: 'createJob', generation: 0 }]);
    expect(d.status.jobGeneration).toBe(0);
    expect(d.status.runs).toEqual({ total: 100, pending: 100, running: 0, succeeded: 0, failed: 0 });
    expect(d.status.progress).toBe('0/100');
    expect(d.status.conditions?.map((c) => c.type)).toEqual(['Accepted', 'InvalidSpec', 'Queued', 'Running', 'Suspended', 'Complete', 'Failed', 'OutputConflict', 'StorageUnavailable', 'ResultsReady']);
    expect(d.events.map((e) => e.reason)).toEqual(['Accepted']);
    expect(d.status.startTime).toBe('2026-01-02T03:04:05Z');
  });

  it('invalid spec: Invalid phase, InvalidSpec condition with the message, no actions', () => {
    const d = decide(obs({ invalid: { reason: 'UnknownModule', message: 'spec.scenario.modules[0].module: unknown agent module nope' } }));
    expect(d.status.phase).toBe('Invalid');
    expect(d.actions).toEqual([]);
    expect(cond(d.status, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'UnknownModule', message: expect.stringContaining('modules[0]') });
    expect(cond(d.status, 'Accepted')?.status).toBe('False');
    expect(d.events).toEqual([{ type: 'Warning', reason: 'InvalidSpec', message: expect.stringContaining('unknown agent module') }]);
    expect(next(d, { invalid: d.status.conditions && { reason: 'UnknownModule', message: 'spec.scenario.modules[0].module: unknown agent module nope' } }).events).toEqual([]);
  });

  it('counts from the store and the Job; unchanged world gives an identical status', () => {
    const first = decide(obs());
    const running = next(first, { job: job({ active: 5, failedIndexes: '7,9' }), store: { ok: true, succeeded: parseIntervals('0-5,8') } });
    expect(running.status.phase).toBe('Running');
    expect(running.actions).toEqual([]);
    expect(running.status.runs).toEqual({ total: 100, pending: 86, running: 5, succeeded: 7, failed: 2 });
    expect(running.status.succeededIndexes).toBe('0-5,8');
    expect(running.status.failedIndexes).toBe('7,9');
    const later = decide(obs({ previous: running.status, now: new Date(t0.getTime() + 60_000), job: job({ active: 5, failedIndexes: '7,9' }), store: { ok: true, succeeded: parseIntervals('0-5,8') } }));
    expect(later.status).toEqual(running.status);
    expect(later.events).toEqual([]);
  });

  it('all runs in the store: write the manifest, then Complete with its URI and digest', () => {
    const running = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: job({ active: 0, completedIndexes: '0-99' }), store: { ok: true, succeeded: [[0, 99]] } }));
    expect(running.actions).toContainEqual({ kind: 'writeManifest' });
    expect(running.status.phase).toBe('Running');
    const done = next(running, { job: job({ completedIndexes: '0-99' }), store: { ok: true, succeeded: [[0, 99]] }, manifest: { uri: 's3://r/m.json', digest: 'abc' } });
    expect(done.status.phase).toBe('Complete');
    expect(done.status).toMatchObject({ manifestURI: 's3://r/m.json', manifestDigest: 'abc', completionTime: '2026-01-02T03:04:05Z', progress: '100/100' });
    expect(cond(done.status, 'Complete')?.status).toBe('True');
    expect(done.events.map((e) => e.reason)).toEqual(['Complete']);
    // Terminal stays terminal even when the Job is gone (TTL): no run Job is created again, only the finishing step's.
    const manifest = { uri: 's3://r/m.json', digest: 'abc' };
    const after = next(done, { job: undefined, manifest, store: { ok: true, succeeded: [[0, 99]] } });
    expect(after.actions).toEqual([{ kind: 'createResultsJob' }]);
    expect(after.status.phase).toBe('Complete');
    expect(cond(after.status, 'ResultsReady')).toMatchObject({ status: 'False', reason: 'Building' });
    const ready = next(after, { job: undefined, manifest, store: { ok: true, succeeded: [[0, 99]] }, results: { written: true, tablesURI: 's3://r/results.parquet', reportURI: 's3://r/report.html' } });
    expect(ready.actions).toEqual([]);
    expect(cond(ready.status, 'ResultsReady')).toMatchObject({ status: 'True', reason: 'TablesWritten' });
    expect(ready.status.tablesURI).toBe('s3://r/results.parquet');
    expect(ready.status.reportURI).toBe('s3://r/report.html');
    // Settled: nothing more is observed or done.
    expect(staysFinished(ready.status, digest)).toBe(true);
    expect(next(ready, { job: undefined }).actions).toEqual([]);
  });

  it('the finishing step: a Job builds the tables once the manifest exists; its failure is reported and settles', () => {
    const manifest = { uri: 's3://r/m.json', digest: 'abc' };
    const base = { previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' as const }, job: job({ completedIndexes: '0-99' }), store: { ok: true as const, succeeded: [[0, 99]] as [number, number][] }, manifest };
    const building = decide(obs({ ...base, results: { written: false, job: 'running' } }));
    expect(building.actions).toEqual([]);
    expect(building.requeue).toBe(true);
    expect(staysFinished(building.status, digest)).toBe(false);
    const failed = decide(obs({ ...base, results: { written: false, job: { failed: 'STORE_ERROR: s3://r/results.parquet: HTTP 503' } } }));
    expect(failed.status.phase).toBe('Complete');
    expect(cond(failed.status, 'ResultsReady')).toMatchObject({ status: 'False', reason: 'ResultsJobFailed', message: expect.stringContaining('HTTP 503') });
    expect(staysFinished(failed.status, digest)).toBe(true);
  });

  it('every run.json present but a run edited since: the manifest lists it failed, and the Experiment is Failed, not Complete', () => {
    const running = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: job({ active: 0, completedIndexes: '0-99' }), store: { ok: true, succeeded: [[0, 99]] } }));
    const altered = [{ index: 4, code: 'INVALID_OUTPUT', message: 'the stored run no longer matches its run.json (metrics.csv: size 10, recorded 12)' }];
    const failed = next(running, { job: job({ completedIndexes: '0-99' }), store: { ok: true, succeeded: [[0, 99]] }, manifest: { uri: 's3://r/m.json', digest: 'abc', altered } });
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.runs).toMatchObject({ succeeded: 99, failed: 1 });
    expect(cond(failed.status, 'Failed')).toMatchObject({ status: 'True', reason: 'StoredRunsAltered', message: expect.stringContaining('run 4: INVALID_OUTPUT: the stored run no longer matches') });
    expect(cond(failed.status, 'Complete')?.status).not.toBe('True');
    expect(failed.status.manifestDigest).toBe('abc');
  });

  it('a Job stopped by maxFailedIndexes: the runs it never started are NOT_STARTED in the manifest, naming the budget', () => {
    const base = { previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' as const } };
    const failures = [0, 1].map((index) => ({ index, code: 'RUN_FAILED', message: 'boom' }));
    const stopped = job({ failedIndexes: '0-1', completedIndexes: '2-9', finished: { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded maxFailedIndexes' } });
    const writing = decide(obs({ ...base, job: stopped, store: { ok: true, succeeded: parseIntervals('2-9') }, failures }));
    expect(writing.actions).toContainEqual({ kind: 'writeManifest', notRun: expect.objectContaining({ code: 'NOT_STARTED', path: 'spec.execution.maxFailedRuns' }) });
    // Every index tried: nothing to describe as not started.
    const tried = job({ failedIndexes: '0-1', completedIndexes: '2-99', finished: { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: '' } });
    expect(decide(obs({ ...base, job: tried, store: { ok: true, succeeded: parseIntervals('2-99') }, failures })).actions).toContainEqual({ kind: 'writeManifest' });
  });

  it('a failed Job: manifest of the succeeded runs, then Failed with reasons from the pods', () => {
    const base = { previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' as const } };
    const failures = [{ index: 3, code: 'INVALID_OUTPUT', message: 'metrics.csv: sha256 mismatch' }];
    const j = job({ failedIndexes: '3', completedIndexes: '0-2,4-99', finished: { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' } });
    const writing = decide(obs({ ...base, job: j, store: { ok: true, succeeded: parseIntervals('0-2,4-99') }, failures }));
    expect(writing.actions).toContainEqual({ kind: 'writeManifest' });
    const failed = next(writing, { job: j, store: { ok: true, succeeded: parseIntervals('0-2,4-99') }, failures, manifest: { uri: 'm', digest: 'x' } });
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.runs).toMatchObject({ succeeded: 99, failed: 1, pending: 0 });
    expect(cond(failed.status, 'Failed')).toMatchObject({ status: 'True', reason: 'FailedIndexes', message: expect.stringContaining('run 3: INVALID_OUTPUT: metrics.csv: sha256 mismatch') });
    expect(failed.events.map((e) => e.type)).toEqual(['Warning']);
  });

  it('output conflicts raise OutputConflict', () => {
    const d = decide(obs({ previous: { jobGeneration: 0, specDigest: digest }, job: job({ failedIndexes: '4' }), failures: [{ index: 4, code: 'OUTPUT_CONFLICT', message: 'exp/x/runs/run-000004/summary.json' }] }));
    expect(cond(d.status, 'OutputConflict')).toMatchObject({ status: 'True', message: expect.stringContaining('run-000004') });
    expect(d.events.map((e) => e.reason)).toContain('OutputConflict');
  });

  it('a Job deleted before it finished is replaced by the next generation', () => {
    const d = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: undefined, store: { ok: true, succeeded: [[0, 49]] } }));
    expect(d.actions).toContainEqual({ kind: 'createJob', generation: 1 });
    expect(d.status.jobGeneration).toBe(1);
    expect(d.status.phase).toBe('Running');
  });

  it('suspend and resume patch the Job and emit events', () => {
    const running = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: job({ active: 10 }) }));
    const suspended = next(running, { suspend: true, job: job({ active: 10 }) });
    expect(suspended.actions).toContainEqual({ kind: 'setJobSuspend', name: 'exp-dddddddd-0', suspend: true });
    expect(suspended.status.phase).toBe('Suspended');
    expect(suspended.events.map((e) => e.reason)).toEqual(['Suspended']);
    const settled = next(suspended, { suspend: true, job: job({ suspended: true }) });
    expect(settled.actions).toEqual([]);
    expect(settled.status.runs?.running).toBe(0);
    const resumed = next(settled, { suspend: false, job: job({ suspended: true }) });
    expect(resumed.actions).toContainEqual({ kind: 'setJobSuspend', name: 'exp-dddddddd-0', suspend: false });
    expect(resumed.events.map((e) => e.reason)).toEqual(['Resumed']);
  });

  it('a changed parallelism is patched into the unfinished Jobs until they follow it, running or suspended', () => {
    const running = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: job({ active: 2 }) }));
    const parts = [
      { name: 'exp-dddddddd-0-0', current: 2, wanted: 4, finished: false },
      { name: 'exp-dddddddd-0-1', current: 2, wanted: 4, finished: true },
    ];
    const changed = next(running, { job: job({ active: 2 }), parallelism: parts });
    expect(changed.actions).toEqual([{ kind: 'setJobParallelism', name: 'exp-dddddddd-0-0', parallelism: 4 }]);
    expect(changed.status).toEqual(running.status);
    const followed = next(changed, { job: job({ active: 4 }), parallelism: [{ ...parts[0]!, current: 4 }, parts[1]!] });
    expect(followed.actions).toEqual([]);
    const suspended = next(followed, { suspend: true, job: job({ suspended: true }), parallelism: [{ ...parts[0]!, current: 4, wanted: 1 }] });
    expect(suspended.status.phase).toBe('Suspended');
    expect(suspended.actions).toEqual([{ kind: 'setJobParallelism', name: 'exp-dddddddd-0-0', parallelism: 1 }]);
  });

  it('a finished or invalid Experiment changes no parallelism', () => {
    const stale = [{ name: 'exp-dddddddd-0', current: 2, wanted: 8, finished: false }];
    const all = { job: job({ completedIndexes: '0-99' }), store: { ok: true as const, succeeded: [[0, 99]] as [number, number][] }, parallelism: stale };
    const writing = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, ...all }));
    expect(writing.actions).toEqual([{ kind: 'writeManifest' }, { kind: 'setJobParallelism', name: 'exp-dddddddd-0', parallelism: 8 }]);
    const done = next(writing, { ...all, manifest: { uri: 'm', digest: 'x' } });
    expect(done.status.phase).toBe('Complete');
    expect(done.actions).toEqual([{ kind: 'createResultsJob' }]);
    expect(decide(obs({ invalid: { reason: 'InvalidSpec', message: 'x' }, parallelism: stale })).actions).toEqual([]);
  });

  it('store errors: StorageUnavailable, counts kept, nothing terminal decided, requeue', () => {
    const running = decide(obs({ previous: { jobGeneration: 0, specDigest: digest }, job: job(), store: { ok: true, succeeded: [[0, 9]] } }));
    const down = next(running, { job: job({ completedIndexes: '0-99', finished: { type: 'Complete', reason: 'CompletionsReached', message: '' } }), store: { ok: false, message: 'connect ECONNREFUSED' } });
    expect(down.status.phase).toBe('Running');
    expect(down.status.runs?.succeeded).toBe(10);
    expect(down.status.succeededIndexes).toBe('0-9');
    expect(cond(down.status, 'StorageUnavailable')).toMatchObject({ status: 'True', message: 'connect ECONNREFUSED' });
    expect(down.requeue).toBe(true);
    expect(down.actions).not.toContainEqual({ kind: 'writeManifest' });
    expect(down.events.map((e) => e.reason)).toEqual(['StorageUnavailable']);
    const back = next(down, { job: job({ completedIndexes: '0-99', finished: { type: 'Complete', reason: 'CompletionsReached', message: '' } }), store: { ok: true, succeeded: [[0, 99]] } });
    expect(back.actions).toContainEqual({ kind: 'writeManifest' });
    expect(back.events.map((e) => e.reason)).toEqual(['StorageAvailable']);
  });

  it('a Job that completed without outputs in the store fails with OutputsMissing', () => {
    const j = job({ completedIndexes: '0-99', finished: { type: 'Complete', reason: 'CompletionsReached', message: '' } });
    const d = decide(obs({ previous: { jobGeneration: 0, specDigest: digest, manifestURI: 'm' }, job: j, store: { ok: true, succeeded: [[0, 97]] }, manifest: { uri: 'm', digest: 'x' } }));
    expect(d.status.phase).toBe('Failed');
    expect(cond(d.status, 'Failed')).toMatchObject({ reason: 'OutputsMissing', message: expect.stringContaining('2 runs have no run.json') });
  });

  it('a changed sweep digest is refused', () => {
    const d = decide(obs({ previous: { specDigest: 'e'.repeat(64), jobGeneration: 0, phase: 'Running' }, digest }));
    expect(d.status.phase).toBe('Invalid');
    expect(cond(d.status, 'InvalidSpec')?.reason).toBe('SpecChanged');
    expect(d.status.specDigest).toBe('e'.repeat(64));
  });

  it('the failure budget is in runs across every Job: past maxFailedRuns the Jobs are stopped, then the manifest names the runs not started, then Failed', () => {
    const base = { total: 1_000, maxFailedRuns: 5, previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' as const } };
    const store = { ok: true as const, succeeded: parseIntervals('0-99') };
    const failures = [{ index: 100, code: 'INVALID_OUTPUT', message: 'bad' }];
    // Runs 100-109 failed (one failed index of a block of 10), more than the 5 allowed; two pods still run.
    const running = job({ failedIndexes: '100-109', active: 20 });
    const stopping = decide(obs({ ...base, job: running, store, failures }));
    expect(stopping.actions).toContainEqual({ kind: 'setJobSuspend', name: running.name, suspend: true });
    expect(stopping.actions.some((a) => a.kind === 'writeManifest')).toBe(false);
    expect(stopping.status.phase).toBe('Running');
    expect(cond(stopping.status, 'Running')).toMatchObject({ reason: 'StoppingRuns', message: expect.stringContaining('10 runs failed, more than spec.execution.maxFailedRuns (5)') });
    // Suspended, pods still ending: nothing is written while a run could still be promoted.
    const ending = next(stopping, { ...base, job: { ...running, suspended: true, active: 10 }, store, failures });
    expect(ending.actions).toEqual([]);
    // No pod left: the manifest, with the budget's NOT_STARTED for the runs never run.
    const stopped = { ...running, suspended: true, active: 0 };
    const writing = next(ending, { ...base, job: stopped, store, failures });
    expect(writing.actions).toContainEqual({ kind: 'writeManifest', notRun: expect.objectContaining({ code: 'NOT_STARTED', path: 'spec.execution.maxFailedRuns' }) });
    const failed = next(writing, { ...base, job: stopped, store, failures, manifest: { uri: 'm', digest: 'x' } });
    expect(failed.status.phase).toBe('Failed');
    expect(failed.actions).toContainEqual({ kind: 'createResultsJob' });
    expect(cond(failed.status, 'Failed')).toMatchObject({ status: 'True', reason: 'MaxFailedRunsExceeded', message: expect.stringContaining('run 100: INVALID_OUTPUT: bad') });
    expect(failed.status.runs).toMatchObject({ succeeded: 100, failed: 10 });
  });

  it('a store outage while the Jobs are stopped for the budget keeps them stopped, and the manifest waits for the store', () => {
    const previous = { jobGeneration: 0, specDigest: digest, phase: 'Running' as const, runs: { total: 1_000, pending: 890, running: 0, succeeded: 100, failed: 10 } };
    const d = decide(obs({ total: 1_000, maxFailedRuns: 5, previous, job: job({ failedIndexes: '100-109', suspended: true, active: 0 }), store: { ok: false, message: 'unreachable' } }));
    expect(d.actions).toEqual([]);
    expect(d.status.phase).toBe('Running');
    expect(cond(d.status, 'StorageUnavailable')?.status).toBe('True');
  });

  it('within the budget, or without one, failed runs do not stop the Jobs', () => {
    const base = { total: 1_000, previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' as const }, store: { ok: true as const, succeeded: parseIntervals('0-99') } };
    const j = job({ failedIndexes: '100-109', active: 20 });
    for (const d of [decide(obs({ ...base, maxFailedRuns: 10, job: j })), decide(obs({ ...base, job: j }))]) {
      expect(d.actions).toEqual([]);
      expect(cond(d.status, 'Running')?.reason).toBe('RunsInProgress');
    }
  });

  it('a 10,000,000-run sweep keeps a fixed-size status', () => {
    // A worst case: every other block of 1000 runs succeeded, and inside each one run in three failed.
    const succeeded = Array.from({ length: 5_000 }, (_, b): [number, number] => [b * 2_000, b * 2_000 + 999]);
    const failedIndexes = Array.from({ length: 3_000 }, (_, i) => `${i * 3_333}`).join(',');
    const d = decide(obs({ total: 10_000_000, previous: { jobGeneration: 0, specDigest: digest, phase: 'Running' }, job: job({ failedIndexes, active: 10_000 }), store: { ok: true, succeeded } }));
    expect(JSON.stringify(d.status).length).toBeLessThan(8_000);
    expect(d.status.runs).toMatchObject({ total: 10_000_000, succeeded: 5_000_000 });
  });

  it('status stays bounded for a pathological index set', () => {
    const every3rd = Array.from({ length: 30_000 }, (_, i): [number, number] => [i * 3, i * 3]);
    const d = decide(obs({ total: 100_000, previous: { jobGeneration: 0, specDigest: digest }, job: job(), store: { ok: true, succeeded: every3rd } }));
    expect(JSON.stringify(d.status).length).toBeLessThan(8_000);
    expect(d.status.runs?.succeeded).toBe(30_000);
  });
});

describe('decide under Kueue (spec.execution.queueName)', () => {
  const running = { jobGeneration: 0, specDigest: digest, phase: 'Running' as const };
  const admitted: QueueObservation = { queueName: 'team-a', admitted: true, allActive: true, allInactive: false, waiting: undefined, undecided: false };
  const waiting: QueueObservation = {
    ...admitted,
    admitted: false,
    waiting: { reason: 'Pending', message: "Workload job-exp-1 in LocalQueue team-a: couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default" },
  };
  const inactive: QueueObservation = { ...admitted, admitted: false, allActive: false, allInactive: true, waiting: { reason: 'Deactivated', message: 'inactive' } };
  const wrongParallelism = [{ name: 'exp-dddddddd-0', current: 2, wanted: 4, finished: false }];
  const kinds = (d: ReturnType<typeof decide>) => d.actions.map((a) => a.kind);

  it.each([
    {
      name: 'not admitted: Queued with Kueue\'s reason, the Job left suspended, parallelism left alone',
      over: { queue: waiting, job: job({ suspended: true }), parallelism: wrongParallelism },
      phase: 'Queued',
      queued: { status: 'True', reason: 'Pending', message: expect.stringContaining('insufficient unused quota') },
      actions: [],
    },
    {
      name: 'admitted and running: Running, Queued False, parallelism still Kueue\'s',
      over: { queue: admitted, job: job({ active: 4 }), parallelism: wrongParallelism },
      phase: 'Running',
      queued: { status: 'False', reason: 'Admitted' },
      actions: [],
    },
    {
      name: 'a split sweep with one part admitted: Running, and Queued says a part waits',
      over: { queue: waiting, job: job({ active: 2, someSuspended: true }) },
      phase: 'Running',
      queued: { status: 'True', reason: 'Pending' },
      actions: [],
    },
    {
      name: 'spec.execution.suspend: the Workloads are deactivated, not the Jobs suspended',
      over: { suspend: true, queue: admitted, job: job({ active: 4 }) },
      phase: 'Suspended',
      queued: { status: 'False', reason: 'Suspended' },
      actions: [{ kind: 'setWorkloadsActive', active: false }],
    },
    {
      name: 'suspended and every Workload inactive: nothing more to do',
      over: { suspend: true, queue: inactive, job: job({ suspended: true }) },
      phase: 'Suspended',
      queued: { status: 'False', reason: 'Suspended' },
      actions: [],
    },
    {
      name: 'resumed: the Workloads are reactivated and Kueue admits them again; the Job is not unsuspended by the operator',
      over: { queue: inactive, job: job({ suspended: true }) },
      phase: 'Queued',
      queued: { status: 'True', reason: 'Deactivated' },
      actions: [{ kind: 'setWorkloadsActive', active: true }],
    },
    {
      name: 'Kueue has not made the Workload yet: Queued',
      over: { queue: { ...admitted, admitted: false, waiting: { reason: 'WorkloadNotCreated', message: 'waiting for Kueue' } }, job: job({ suspended: true }) },
      phase: 'Queued',
      queued: { status: 'True', reason: 'WorkloadNotCreated' },
      actions: [],
    },
  ])('$name', ({ over, phase, queued, actions }) => {
    const d = decide(obs({ previous: running, ...over }));
    expect(d.status.phase).toBe(phase);
    expect(cond(d.status, 'Queued')).toMatchObject(queued);
    expect(d.actions).toEqual(actions);
  });

  it('the same observations without Kueue still suspend, unsuspend and resize the Jobs themselves', () => {
    expect(kinds(decide(obs({ previous: running, job: job({ suspended: true }), parallelism: wrongParallelism })))).toEqual(['setJobSuspend', 'setJobParallelism']);
    expect(kinds(decide(obs({ previous: running, suspend: true, job: job({ active: 4 }) })))).toEqual(['setJobSuspend']);
    expect(cond(decide(obs({ previous: running, job: job({ active: 4 }) })).status, 'Queued')).toMatchObject({ status: 'False', reason: 'NoQueue' });
  });

  it('becoming Queued is an event with Kueue\'s message', () => {
    const d = decide(obs({ previous: running, queue: waiting, job: job({ suspended: true }) }));
    expect(d.events).toContainEqual({ type: 'Normal', reason: 'Queued', message: expect.stringContaining('LocalQueue team-a') });
    expect(next(d, { queue: waiting, job: job({ suspended: true }) }).events).toEqual([]);
  });

  it('the failure budget stops the runs by deactivating the Workloads, and writes the manifest only once every one is inactive and no pod runs', () => {
    const base = { total: 1_000, maxFailedRuns: 5, previous: running, store: { ok: true as const, succeeded: [] } };
    const failedIndexes = '100-109';
    const stopping = decide(obs({ ...base, queue: admitted, job: job({ failedIndexes, active: 3 }) }));
    expect(stopping.actions).toEqual([{ kind: 'setWorkloadsActive', active: false }]);
    expect(cond(stopping.status, 'Running')).toMatchObject({ reason: 'StoppingRuns' });
    // Suspended and idle, but a part's Workload is still active (it could be admitted again): keep stopping.
    const half = decide(obs({ ...base, queue: { ...admitted, allInactive: false, allActive: false }, job: job({ failedIndexes, suspended: true }) }));
    expect(half.actions).toEqual([{ kind: 'setWorkloadsActive', active: false }]);
    expect(half.status.phase).toBe('Running');
    // Kueue evicted and suspended: pods still terminating.
    const draining = decide(obs({ ...base, queue: inactive, job: job({ failedIndexes, suspended: true, active: 2 }) }));
    expect(draining.actions).toEqual([]);
    const writing = decide(obs({ ...base, queue: inactive, job: job({ failedIndexes, suspended: true }) }));
    expect(kinds(writing)).toEqual(['writeManifest']);
  });
});
