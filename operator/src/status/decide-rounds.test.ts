import { describe, expect, it } from 'vitest';
import { decideRounds, type RoundJobObservation, type RoundsObservation, type RoundsState } from './decide-rounds.ts';
import type { Intervals } from './intervals.ts';

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
