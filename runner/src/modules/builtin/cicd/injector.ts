import { defineModule, expectInstance, intent, z } from 'swarmlab/sdk';
import { INJECT_KINDS, Inject } from './events.ts';
import { ENVIRONMENTS } from './common.ts';

const KINDS = ['deploy', 'crash', 'cpu_overload', 'memory_overload', 'slow_deploy', 'false_alarm'] as const;

const step = z
  .object({
    at: z.number().min(0).describe('Logical time of the event.'),
    kind: z.enum(INJECT_KINDS).describe('Runtime event (deploy, scale) or failure to inject.'),
    env: z.enum(ENVIRONMENTS).describe('Environment of the app.'),
    app: z.string().min(1).max(64).describe('App it hits (an app the environments module runs or onboards).'),
    cpu: z.number().min(0).max(1).optional().describe('cpu_overload: CPU utilisation it drives the app to (default 0.95).'),
    memory: z.number().min(0).max(1).optional().describe('memory_overload: memory utilisation it drives the app to (default 0.96).'),
    replicas: z.number().int().min(1).optional().describe('scale: replica count to scale to.'),
  })
  .strict();

export const cicdInjectorConfig = z
  .object({
    random: z.boolean().default(true).describe('Inject the Poisson stream of random events (off for a scripted run).'),
    script: z.array(step).max(256).default([]).describe('Events injected at fixed times, in addition to the random stream.'),
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

/**
 * Emits deploys, crashes, CPU and memory overloads, slow deployments and false
 * alarms as a Poisson stream over uniformly chosen apps, and the events of its
 * script at their times.
 */
export const cicdInjector = defineModule({
  kind: 'agent',
  name: 'cicd-failure-injector',
  version: '1.1.0',
  description: 'Injects deploys, crashes, CPU/memory overloads, slow deployments and false alarms over time, at random (Poisson) and/or by a script.',
  config: cicdInjectorConfig,
  events: { emits: [{ event: Inject, to: 'target' }] },
  validate: (config, scenario) => expectInstance(scenario, config.target, ['target'], ['cicd-environments']),
  create(config, ctx) {
    const rng = ctx.rng('inject');
    const targets = ENVIRONMENTS.flatMap((env) => config.apps[env].map((app) => ({ env, app })));
    const weights = KINDS.map((k) => config.weights[k]);
    const counts: Record<string, number> = Object.fromEntries(INJECT_KINDS.map((k) => [k, 0]));
    return {
      start(sim) {
        for (const { at, ...event } of config.script) {
          counts[event.kind] = counts[event.kind]! + 1;
          sim.emit(intent(Inject, config.target, event, { delay: at }));
        }
        if (config.random && targets.length > 0) sim.emit({ type: 'tick', target: ctx.instance, delay: rng.exponential(1 / config.interval) });
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
