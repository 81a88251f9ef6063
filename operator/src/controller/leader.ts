import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { realClock, sleep, type Clock } from './clock.ts';

// Lease-based leader election (coordination.k8s.io/v1), the client-go
// algorithm: a candidate takes the Lease when it is free or its holder has not
// renewed within the lease duration as seen on the candidate's own clock (no
// cross-machine clock comparison); the leader renews every retry period and
// steps down if it cannot renew within the renew deadline.

export interface LeaseTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_TIMINGS: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaseRecord {
  holder: string;
  leaseDurationSeconds: number;
  transitions: number;
  resourceVersion: string;
  renewTime: string;
}

export interface Observed {
  /** The record as last seen (renewTime and holder identify a change). */
  key: string;
  /** When this candidate saw it change, on its own clock. */
  at: number;
}

export type LeaseStep = { kind: 'create' } | { kind: 'take'; transition: boolean } | { kind: 'wait'; holder: string };

/** What to do with the Lease now. Pure: record as read, what we observed before, our clock. */
export function leaseStep(record: LeaseRecord | undefined, observed: Observed | undefined, now: number, identity: string): { step: LeaseStep; observed: Observed | undefined } {
  if (record === undefined) return { step: { kind: 'create' }, observed: undefined };
  const key = `${record.holder}|${record.renewTime}|${record.resourceVersion}`;
  const obs = observed !== undefined && observed.key === key ? observed : { key, at: now };
  if (record.holder === identity) return { step: { kind: 'take', transition: false }, observed: obs };
  const free = record.holder === '' || obs.at + record.leaseDurationSeconds * 1000 <= now;
  return { step: free ? { kind: 'take', transition: true } : { kind: 'wait', holder: record.holder }, observed: obs };
}

export interface LeaderElectorOptions {
  api: Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;
  namespace: string;
  name: string;
  identity: string;
  timings?: Partial<LeaseTimings>;
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: (msg: string) => void;
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits (Go rejects JavaScript's three). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function toRecord(l: V1Lease): LeaseRecord {
  return {
    holder: l.spec?.holderIdentity ?? '',
    leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? 15,
    transitions: l.spec?.leaseTransitions ?? 0,
    resourceVersion: l.metadata?.resourceVersion ?? '',
    renewTime: l.spec?.renewTime === undefined ? '' : new Date(l.spec.renewTime as unknown as string).toISOString(),
  };
}

export class LeaderElector {
  private readonly o: LeaderElectorOptions;
  private readonly t: LeaseTimings;
  private readonly clock: Clock;
  private observed: Observed | undefined;
  private lease: V1Lease | undefined;
  private leading = false;
  private lastRenew = 0;

  constructor(o: LeaderElectorOptions) {
    this.o = o;
    this.t = { ...DEFAULT_TIMINGS, ...o.timings };
    this.clock = o.clock ?? realClock;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries once; true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.o;
    let current: V1Lease | undefined;
    try {
      current = await api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw e;
    }
    const now = this.clock.now();
    const { step, observed } = leaseStep(current === undefined ? undefined : toRecord(current), this.observed, now, identity);
    this.observed = observed;
    const durationSeconds = Math.ceil(this.t.leaseDurationMs / 1000);
    // client-node passes unknown types through as they are; a string keeps the six digits.
    const stamp = microTime(now) as unknown as Date;
    try {
      if (step.kind === 'create') {
        this.lease = await api.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: stamp as never, renewTime: stamp as never, leaseTransitions: 0 },
          },
        });
        return true;
      }
      if (step.kind === 'wait') return false;
      const spec = current?.spec ?? {};
      this.lease = await api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...current,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: stamp as never,
            ...(step.transition ? { acquireTime: stamp as never, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
          },
        },
      });
      return true;
    } catch (e) {
      // Someone else wrote the Lease first: not ours this round.
      if (e instanceof ApiException && (e.code === 409 || e.code === 422)) return false;
      throw e;
    }
  }

  /** Campaigns, leads and renews until the signal aborts; then releases the Lease if held. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (e) {
        this.o.log?.(`leader election: ${e instanceof Error ? e.message : String(e)}`);
      }
      const now = this.clock.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.o.log?.(`leader election: ${this.o.identity} is the leader`);
          this.o.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenew >= this.t.renewDeadlineMs) {
        this.leading = false;
        this.o.log?.(`leader election: ${this.o.identity} could not renew within ${this.t.renewDeadlineMs} ms; stepping down`);
        this.o.onStoppedLeading();
      }
      await sleep(this.clock, this.t.retryPeriodMs, signal);
    }
    await this.release();
  }

  /** Gives the Lease up so a standby takes over at once instead of after the lease duration. */
  async release(): Promise<void> {
    if (!this.leading || this.lease === undefined) return;
    this.leading = false;
    try {
      const current = await this.o.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (current.spec?.holderIdentity !== this.o.identity) return;
      await this.o.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
    } catch (e) {
      this.o.log?.(`leader election: release failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.o.onStoppedLeading();
  }
}
