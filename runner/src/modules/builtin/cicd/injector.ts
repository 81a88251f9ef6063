import { defineModule, expectInstance, intent, z } from 'swarmlab/sdk';
import { Inject } from './events.ts';
import { ENVIRONMENTS } from './common.ts';

const KINDS = ['deploy', 'crash', 'cpu_overload', 'memory_overload', 'slow_deploy', 'false_alarm'] as const;

export const cicdInjectorConfig = z
  .object({
    target: z.string().min(1).default('environments').describe('Environments instance the events go to.'),
    interval: z.number().positive().default(120).describe('Mean time between injected events (Poisson process).'),
    weights: z
      .object(Object.fromEntries(KINDS.map((k, i) => [k, z.number().min(0).default([0.3, 0.2, 0.15, 0.1, 0.1, 0.15][i]!).describe(`Relative frequency of ${k}.`)])) as Record<(typeof KINDS)[number], z.ZodDefault<z.ZodNumber>>)
      .strict()
      .prefault({})
      .describe('Relative frequency of each event kind.'),
    apps: z
      .object({
        dev: z.array(z.string().min(1)).default(['api', 'web']).describe('Applications it may hit in dev.'),
        stage: z.array(z.string().min(1)).default(['api', 'web']).describe('Applications it may hit in stage.'),
        prod: z.array(z.string().min(1)).default(['api', 'web']).describe('Applications it may hit in prod.'),
      })
      .strict()
      .prefault({})
      .describe('Applications it may hit, per environment (match the environments module).'),
  })
  .strict();

/** Emits deploys, crashes, CPU and memory overloads, slow deployments and false alarms as a Poisson stream over uniformly chosen apps. */
export const cicdInjector = defineModule({
  kind: 'agent',
  name: 'cicd-failure-injector',
  version: '1.0.0',
  description: 'Injects deploys, crashes, CPU/memory overloads, slow deployments and false alarms over time.',
  config: cicdInjectorConfig,
  events: { emits: [{ event: Inject, to: 'target' }] },
  validate: (config, scenario) => expectInstance(scenario, config.target, ['target'], ['cicd-environments']),
  create(config, ctx) {
    const rng = ctx.rng('inject');
    const targets = ENVIRONMENTS.flatMap((env) => config.apps[env].map((app) => ({ env, app })));
    const weights = KINDS.map((k) => config.weights[k]);
    const counts: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
    return {
      start(sim) {
        if (targets.length > 0) sim.emit({ type: 'tick', target: ctx.instance, delay: rng.exponential(1 / config.interval) });
      },
      handle: {
        tick(_e, sim) {
          const kind = KINDS[rng.weightedIndex(weights)]!;
          const t = rng.pick(targets);
          counts[kind] = counts[kind]! + 1;
          sim.emit(intent(Inject, config.target, { kind, env: t.env, app: t.app }));
          sim.emit({ type: 'tick', target: ctx.instance, delay: rng.exponential(1 / config.interval) });
        },
      },
      summary: () => ({ injected: { ...counts } }),
    };
  },
});
