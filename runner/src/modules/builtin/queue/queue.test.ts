import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { executeRun } from '../../../run/execute.ts';
import { parseExperiment } from '../../../spec/load.ts';
import { plan } from '../../../spec/plan.ts';
import { planError } from '../../../testing/plan-error.ts';
import { testModule } from 'swarmlab/sdk/testing';
import { serviceQueue } from './server.ts';

function queueExperiment(opts: { lambda: number; mu: number; servers?: number; capacity?: number; replicas: number; time: number }) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'mm1' },
    spec: {
      scenario: {
        modules: [
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: opts.lambda, target: 'server' } },
          { kind: 'agent', module: 'service-queue', name: 'server', config: { servers: opts.servers ?? 1, serviceRate: opts.mu, warmup: 200 } },
          { kind: 'policy', module: 'admission-control', name: 'admission', config: opts.capacity ? { capacity: opts.capacity } : {} },
        ],
        horizon: { time: opts.time },
      },
      sweep: { seeds: { base: 3, replicas: opts.replicas } },
    },
  });
}

function results(exp: ReturnType<typeof queueExperiment>) {
  return plan(exp).map((p) => executeRun(exp, p, builtinRegistry).summary);
}

describe('service-queue alone', () => {
  it('serves FIFO with c servers and measures sojourn and wait from the departures it is fed', () => {
    const q = testModule(serviceQueue, { config: { servers: 1 } });
    q.deliver('arrival', { customer: 0 }, { at: 1 });
    q.deliver('arrival', { customer: 1 }, { at: 2 });
    expect(q.metrics()).toEqual({ queueLength: 1, busy: 1, inSystem: 2, served: 0 });
    // Only the first customer is in service; its departure is the one event the queue scheduled.
    const [first] = q.takeEmitted();
    expect(first!.intent).toMatchObject({ type: 'departure', target: 'service-queue', payload: { customer: 0, arrived: 1, started: 1 } });
    q.deliver('departure', first!.intent.payload, { at: 4 });
    const [second] = q.takeEmitted();
    expect(second!.intent.payload).toEqual({ customer: 1, arrived: 2, started: 4 });
    q.deliver('departure', second!.intent.payload, { at: 5 });
    expect(q.metrics()).toEqual({ queueLength: 0, busy: 0, inSystem: 0, served: 2 });
    // Sojourns 3 and 3, waits 0 and 2.
    expect(q.summary()).toEqual({ served: 2, measured: 2, meanSojourn: 3, meanWait: 1 });
  });
});

describe('M/M/1 queue scenario', () => {
  it('has mean time in system W = 1/(mu - lambda) within sampling error', () => {
    const lambda = 0.5;
    const mu = 1;
    const summaries = results(queueExperiment({ lambda, mu, replicas: 6, time: 20_000 }));
    const means = summaries.map((s) => (s.results.server as { meanSojourn: number }).meanSojourn);
    const mean = means.reduce((a, b) => a + b, 0) / means.length;
    const sd = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / (means.length - 1));
    const expected = 1 / (mu - lambda);
    // Replications are independent: the mean of 6 is off by at most ~4 standard errors, and the error is small in absolute terms.
    expect(Math.abs(mean - expected)).toBeLessThan(Math.max(4 * (sd / Math.sqrt(means.length)), 0.02 * expected));
    expect(Math.abs(mean - expected) / expected).toBeLessThan(0.05);
  });

  it('turns away arrivals with the M/M/1/N blocking probability when admission control caps the system', () => {
    const lambda = 0.9;
    const mu = 1;
    const n = 3;
    const summaries = results(queueExperiment({ lambda, mu, capacity: n, replicas: 4, time: 20_000 }));
    let sent = 0;
    let refused = 0;
    for (const s of summaries) {
      sent += s.final_metrics['arrivals.sent']!;
      refused += s.final_metrics['arrivals.turnedAway']!;
    }
    const rho = lambda / mu;
    const blocking = ((1 - rho) * rho ** n) / (1 - rho ** (n + 1));
    expect(Math.abs(refused / sent - blocking)).toBeLessThan(0.015);
  });
});

describe('queue modules validate (refused by plan, before any run)', () => {
  const topology = (edges: unknown[], directed = true) => ({ kind: 'network', module: 'explicit', name: 'topology', config: { directed, nodes: ['source', 'server'], edges } });
  const source = (config: Record<string, unknown> = {}) => ({ kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { target: 'server', network: 'topology', ...config } });
  const server = { kind: 'agent', module: 'service-queue', name: 'server' };

  it('accepts a source whose customers have the edge they travel', () => {
    expect(planError([topology([{ from: 'source', to: 'server' }]), source(), server])).toBeUndefined();
    expect(planError([topology([{ from: 'server', to: 'source' }], false), source(), server])).toBeUndefined();
  });

  it('refuses a missing edge, an unknown node, and a target that is not a queue', () => {
    expect(planError([topology([{ from: 'server', to: 'source' }]), source(), server])).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[1].config.targetNode' });
    expect(planError([topology([]), source({ node: 'gate' }), server])?.path).toBe('spec.scenario.modules[1].config.node');
    expect(planError([topology([{ from: 'source', to: 'server' }]), source({ target: 'topology' }), server])?.path).toBe('spec.scenario.modules[1].config.target');
  });

  it('refuses admission control watching an instance the scenario lacks', () => {
    const admission = { kind: 'policy', module: 'admission-control', name: 'admission', config: { capacity: 3, watch: 'srv.inSystem' } };
    expect(planError([topology([{ from: 'source', to: 'server' }]), source(), server, admission])?.path).toBe('spec.scenario.modules[3].config.watch');
  });

  it('refuses admission control watching a metric its instance does not publish (every review, so every run, would fail)', () => {
    const watching = (watch: string) => ({ kind: 'policy', module: 'admission-control', name: 'admission', config: { capacity: 3, watch } });
    const typo = planError([topology([{ from: 'source', to: 'server' }]), source(), server, watching('server.inSytem')]);
    expect(typo?.path).toBe('spec.scenario.modules[3].config.watch');
    expect(typo?.message).toMatch(/server \(service-queue\) publishes no metric inSytem/);
    expect(typo?.hint).toMatch(/inSystem/);
    expect(planError([topology([{ from: 'source', to: 'server' }]), source(), server, watching('server.queueLength')])).toBeUndefined();
  });
});
