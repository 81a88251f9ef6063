import { defineModule, expectInstance, z } from 'swarmlab/sdk';

const Burst = z
  .object({
    from: z.number().min(0).describe('Start of the burst (logical time).'),
    until: z.number().min(0).describe('End of the burst.'),
    factor: z.number().positive().describe('Request rate is multiplied by this during the burst.'),
  })
  .strict();

export const meshWorkloadConfig = z
  .object({
    targets: z.array(z.string().min(1)).min(1).max(16).default(['router']).describe('Router instances that each receive every request (same demand side by side).'),
    rate: z.number().positive().default(20).describe('Mean request rate (requests per logical second).'),
    amplitude: z.number().min(0).max(1).default(0.5).describe('Relative amplitude of the sinusoidal load swing.'),
    period: z.number().positive().default(120).describe('Period of the load swing (logical seconds).'),
    bursts: z.array(Burst).max(64).default([]).describe('Load bursts on top of the swing.'),
    clients: z.number().int().min(1).max(1_000_000).default(1000).describe('Number of clients; a router assigns each client to one of its agents.'),
  })
  .strict();

/**
 * Request demand: a non-homogeneous Poisson process (thinning) whose rate
 * swings sinusoidally and bursts. Every request goes to every target router
 * with the same jitter draw, so a learned and a static router face identical
 * demand (common random numbers).
 */
export const meshWorkload = defineModule({
  kind: 'agent',
  name: 'mesh-workload',
  publishes: { metrics: { requests: 'Requests sent so far.', rate: 'Current request rate.' } },
  version: '1.0.0',
  description: 'Time-varying request demand sent identically to one or more routers.',
  config: meshWorkloadConfig,
  validate: (config, scenario) => config.targets.flatMap((t, i) => expectInstance(scenario, t, ['targets', i], ['mesh-router'])),
  create(config, ctx) {
    const rng = ctx.rng('arrivals');
    const maxBurst = config.bursts.reduce((m, b) => Math.max(m, b.factor), 1);
    const peak = config.rate * (1 + config.amplitude) * maxBurst;
    const rateAt = (t: number): number => {
      let r = config.rate * (1 + config.amplitude * Math.sin((2 * Math.PI * t) / config.period));
      for (const b of config.bursts) if (t >= b.from && t < b.until) r *= b.factor;
      return r;
    };
    const gap = (now: number): number => {
      let t = now;
      for (;;) {
        t += rng.exponential(peak);
        if (rng.next() * peak < rateAt(t)) return t - now;
      }
    };
    let sent = 0;
    let current = 0;
    return {
      start(sim) {
        sim.emit({ type: 'generate', target: ctx.instance, delay: gap(0) });
      },
      handle: {
        generate(_e, sim) {
          const payload = { id: sent, client: rng.int(config.clients), u: rng.next() };
          for (const t of config.targets) sim.emit({ type: 'request', target: t, payload });
          sent++;
          current = rateAt(sim.now);
          sim.emit({ type: 'generate', target: ctx.instance, delay: gap(sim.now) });
        },
      },
      metrics: () => ({ requests: sent, rate: current }),
    };
  },
});
