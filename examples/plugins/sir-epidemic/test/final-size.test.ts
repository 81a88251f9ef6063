import { describe, expect, it } from 'vitest';
import { runScenario } from 'swarmlab/sdk/testing';
import { sirEpidemic, sirVaccination } from '../src/index.ts';

// The well-mixed case: SIR on a complete graph of N agents with per-edge rate
// tau and recovery rate gamma has R0 = (N-1) tau / (tau + gamma). With one
// initial infection, a minor outbreak (probability about 1/R0) dies out after
// a handful of cases; a major one infects a fraction r of the population that
// tends, as N grows, to the root of r = 1 - exp(-R0 r).

const N = 1000;
const R0 = 2;
const gamma = 1;
const tau = (R0 * gamma) / (N - 1 - R0);
const RUNS = 30;
/** Minor outbreaks of an R0 = 2 epidemic stay far below this; major ones far above (about 80%). */
const MAJOR = 0.1 * N;

/** The positive root of r = 1 - exp(-R0 r), by fixed-point iteration from 1. */
function finalSizeLimit(r0: number): number {
  let r = 1;
  for (let i = 0; i < 200; i++) r = 1 - Math.exp(-r0 * r);
  return r;
}

const experiment = {
  apiVersion: 'swarmlab.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'sir-well-mixed' },
  spec: {
    scenario: {
      modules: [
        { kind: 'network', module: 'erdos-renyi', name: 'everyone', config: { size: N, p: 1 } },
        { kind: 'agent', module: 'sir-epidemic', name: 'epidemic', config: { network: 'everyone', transmissionRate: tau, recoveryRate: gamma, initialInfected: 1 } },
      ],
      horizon: { time: 1000 },
    },
    sweep: { seeds: { base: 11, replicas: RUNS } },
  },
};

describe('SIR on a complete graph (well mixed)', () => {
  it('major outbreaks reach the final size of r = 1 - exp(-R0 r) within sampling error, and occur with probability about 1 - 1/R0', () => {
    const sizes = runScenario(experiment, [sirEpidemic, sirVaccination]).map((r) => (r.summary.results.epidemic as { finalSize: number }).finalSize);
    const major = sizes.filter((s) => s > MAJOR).map((s) => s / N);
    const minor = sizes.filter((s) => s <= MAJOR);
    // The two kinds are well apart: nothing in between.
    expect(Math.max(...minor)).toBeLessThan(0.05 * N);
    expect(Math.min(...major)).toBeGreaterThan(0.5);

    const pMinor = minor.length / RUNS;
    expect(Math.abs(pMinor - 1 / R0)).toBeLessThan(4 * Math.sqrt((0.5 * 0.5) / RUNS));

    const mean = major.reduce((a, b) => a + b, 0) / major.length;
    const sd = Math.sqrt(major.reduce((a, b) => a + (b - mean) ** 2, 0) / (major.length - 1));
    const expected = finalSizeLimit(R0);
    expect(expected).toBeCloseTo(0.7968, 4);
    expect(Math.abs(mean - expected)).toBeLessThan(4 * (sd / Math.sqrt(major.length)));
  });
});
