import { defineModule, expectInstance, type JsonObject, z } from 'swarmlab/sdk';

export const meshCoordinatorConfig = z
  .object({
    router: z.string().min(1).default('router').describe('Router instance whose agents it coordinates.'),
    threshold: z.number().positive().default(0.7).describe('Prediction error above which it intervenes.'),
    mode: z
      .enum(['auto', 'reset', 'explore'])
      .default('auto')
      .describe('Intervention: reset (clear the Q-tables of the worst agents), explore (raise every agent\'s epsilon for a while), auto (reset when psi is below psiThreshold, explore otherwise).'),
    psiThreshold: z.number().min(0).max(1).default(0.5).describe('auto mode: psi (evenness of the agents\' rewards) below which the surprise is blamed on the worst agents and they are reset; at or above it the whole swarm explores.'),
    worstFraction: z.number().min(0).max(1).default(0.2).describe('Share of agents (worst interval reward first, at least one) a reset clears.'),
    exploreEpsilon: z.number().min(0).max(1).default(0.5).describe('Epsilon agents use during an explore intervention when the swarm is fully coherent; it is scaled by coherence C.'),
    exploreDuration: z.number().positive().default(30).describe('How long an explore intervention lasts.'),
    smoothing: z.number().min(0).max(1).default(0.3).describe('Weight of the newest interval in the exponentially smoothed expectation.'),
    errorFloor: z.number().positive().default(0.1).describe('Smallest expectation magnitude the prediction error is relative to.'),
    warmup: z.number().int().min(0).default(3).describe('Intervals that only form the expectation, without interventions.'),
    cooldown: z.number().int().min(0).default(2).describe('Intervals after an intervention during which it does not intervene again.'),
  })
  .strict();

interface Intervention {
  readonly interval: number;
  readonly time: number;
  readonly kind: 'reset' | 'explore';
  readonly predictionError: number;
  readonly psi: number;
  readonly coherence: number;
  readonly agents: number[];
  [key: string]: string | number | number[];
}

/**
 * The swarm coordinator (the original's Psi-field guardian). Each interval it
 * compares the swarm's mean reward with its smoothed expectation; the
 * relative prediction error PE = |actual - expected| / max(|expected|, floor)
 * above the threshold triggers an intervention sent to the agents as intents.
 * Which one, in auto mode, is the swarm measures' call (swarm-state.ts): with
 * psi low, a few agents fell behind the rest, and their tables are reset
 * (the original's Nigredo); with psi high, the swarm was surprised as one,
 * and it explores (Albedo), the harder the more coherent it is, since a
 * coherent swarm has bet on the same providers.
 */
export const meshCoordinator = defineModule({
  kind: 'agent',
  name: 'mesh-coordinator',
  publishes: {
    metrics: {
      predictionError: 'Relative error of the last prediction of the swarm reward.',
      expectation: 'Expected swarm reward.',
      swarmReward: 'Last interval\'s swarm reward.',
      interventions: 'Interventions so far.',
    },
  },
  version: '2.0.0',
  description: 'Aggregates agent performance each interval and intervenes (reset or explore) when its prediction error exceeds a threshold.',
  config: meshCoordinatorConfig,
  validate: (config, scenario) => expectInstance(scenario, config.router, ['router'], ['mesh-router']),
  create(config) {
    let expected: number | undefined;
    let pe = 0;
    let intervals = 0;
    let quietUntil = -1;
    let lastReward = 0;

    const interventions: Intervention[] = [];
    const peHistory: number[] = [];
    let maxPe = 0;

    return {
      handle: {
        report(e, sim) {
          const interval = e.payload.interval as number;
          const actual = e.payload.swarmReward;
          intervals++;
          if (typeof actual !== 'number') return;
          lastReward = actual;
          const psi = typeof e.payload.psi === 'number' ? e.payload.psi : 1;
          const coherence = typeof e.payload.coherence === 'number' ? e.payload.coherence : 1;

          if (expected === undefined) {
            expected = actual;
            pe = 0;
            peHistory.push(0);
            return;
          }
          pe = Math.abs(actual - expected) / Math.max(Math.abs(expected), config.errorFloor);
          peHistory.push(pe);
          maxPe = Math.max(maxPe, pe);
          if (pe > config.threshold && intervals > config.warmup && interval >= quietUntil) {
            const kind = config.mode === 'auto' ? (psi < config.psiThreshold ? 'reset' : 'explore') : config.mode;
            let agents: number[] = [];
            if (kind === 'reset') {
              const scores = (e.payload.agents as (number | null)[])
                .map((r, i) => ({ i, r: r ?? Number.POSITIVE_INFINITY }))
                .sort((a, b) => a.r - b.r || a.i - b.i);
              const k = Math.max(1, Math.round(scores.length * config.worstFraction));
              agents = scores.slice(0, k).map((s) => s.i);
              for (const a of agents) sim.emit({ type: 'intervene', target: `${config.router}/${a}`, payload: { kind: 'reset', predictionError: pe } });
            } else {
              agents = (e.payload.agents as unknown[]).map((_, i) => i);
              sim.emit({
                type: 'intervene',
                target: config.router,
                payload: { kind: 'explore', epsilon: config.exploreEpsilon * coherence, duration: config.exploreDuration, predictionError: pe },
              });
            }
            interventions.push({ interval, time: sim.now, kind, predictionError: pe, psi, coherence, agents });
            quietUntil = interval + 1 + config.cooldown;
          }
          expected = expected + config.smoothing * (actual - expected);
        },
      },
      metrics: () => ({ predictionError: pe, expectation: expected ?? 0, swarmReward: lastReward, interventions: interventions.length }),
      summary: (): JsonObject => ({
        threshold: config.threshold,
        intervals,
        maxPredictionError: maxPe,
        predictionErrors: peHistory,
        interventions,
      }),
    };
  },
});
