import type { Rng } from '../rng/index.ts';
import type { LatencyModel, LatencyRule } from '../sdk/latency.ts';

export type { LatencyModel, LatencyRule };

/** Draws one latency. Never negative: a normal draw below zero is cut to zero. */
export function sampleLatency(m: LatencyModel, rng: Rng, edgeWeight: number | undefined): number {
  switch (m.model) {
    case 'fixed':
      return m.value ?? 0;
    case 'uniform':
      return rng.uniform(m.min ?? 0, m.max ?? 0);
    case 'exponential':
      return m.mean && m.mean > 0 ? rng.exponential(1 / m.mean) : 0;
    case 'normal':
      return Math.max(0, rng.normal(m.mean ?? 0, m.sd ?? 0));
    case 'lognormal':
      return rng.lognormal(m.mu ?? 0, m.sigma ?? 0);
    case 'edge':
      return (edgeWeight ?? 0) * (m.scale ?? 1);
  }
}

export function findRule(rules: readonly LatencyRule[], source: string, channel: string): LatencyRule | undefined {
  for (const r of rules) {
    if ((r.source === undefined || r.source === source) && (r.channel === undefined || r.channel === channel)) return r;
  }
  return undefined;
}
