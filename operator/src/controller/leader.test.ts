import { describe, expect, it } from 'vitest';
import { leaseStep, microTime, type LeaseRecord } from './leader.ts';

const rec = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({ holder: 'a', leaseDurationSeconds: 15, transitions: 0, resourceVersion: '1', renewTime: 't1', ...over });

describe('leaseStep', () => {
  it('creates a missing Lease', () => {
    expect(leaseStep(undefined, undefined, 0, 'me').step).toEqual({ kind: 'create' });
  });

  it('renews its own Lease without a transition', () => {
    expect(leaseStep(rec({ holder: 'me' }), undefined, 0, 'me').step).toEqual({ kind: 'take', transition: false });
  });

  it('takes a released Lease at once', () => {
    expect(leaseStep(rec({ holder: '' }), undefined, 0, 'me').step).toEqual({ kind: 'take', transition: true });
  });

  it('waits while the holder keeps renewing, measured on its own clock', () => {
    let r = leaseStep(rec(), undefined, 1_000_000, 'me');
    expect(r.step).toEqual({ kind: 'wait', holder: 'a' });
    r = leaseStep(rec(), r.observed, 1_014_999, 'me');
    expect(r.step.kind).toBe('wait');
    // The holder renewed: the lease duration counts from when we saw that.
    r = leaseStep(rec({ renewTime: 't2', resourceVersion: '2' }), r.observed, 1_014_999, 'me');
    expect(r.step.kind).toBe('wait');
    r = leaseStep(rec({ renewTime: 't2', resourceVersion: '2' }), r.observed, 1_029_998, 'me');
    expect(r.step.kind).toBe('wait');
    r = leaseStep(rec({ renewTime: 't2', resourceVersion: '2' }), r.observed, 1_029_999, 'me');
    expect(r.step).toEqual({ kind: 'take', transition: true });
  });

  it('does not trust the holder\'s timestamps: a renewTime far in the past still gets a full lease duration', () => {
    const r = leaseStep(rec({ renewTime: '1970-01-01T00:00:00Z' }), undefined, 5_000_000, 'me');
    expect(r.step.kind).toBe('wait');
  });
});

describe('microTime', () => {
  it('has the six fractional digits Go\'s MicroTime parser needs', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
