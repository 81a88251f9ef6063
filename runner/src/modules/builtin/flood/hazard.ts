import { defineModule, z } from 'swarmlab/sdk';
import { expectServices } from './infrastructure.ts';

const config = z
  .object({
    target: z.string().min(1).default('infra').describe('Instance of the flood-infrastructure module it floods.'),
    step: z.number().positive().default(1).describe('Time between flood updates.'),
    onset: z.number().min(0).default(5).describe('When the water starts rising.'),
    rise: z.number().positive().default(20).describe('Time from onset to peak level.'),
    peak: z.number().min(0).max(1).default(1).describe('Peak flood level (0..1).'),
    recedeAt: z.number().min(0).default(60).describe('When the water starts falling.'),
    recede: z.number().positive().default(20).describe('Time from recedeAt back to level 0.'),
    exposure: z
      .record(z.string(), z.number().min(0).max(1))
      .default({})
      .describe('Per service: chance per step, at flood level 1, that it takes damage. Services not listed are not exposed.'),
    damageMin: z.number().min(0).max(1).default(0.05).describe('Smallest damage one hit does at level 1 (fraction of capacity).'),
    damageMax: z.number().min(0).max(1).default(0.25).describe('Largest damage one hit does at level 1.'),
  })
  .strict()
  .refine((c) => c.damageMin <= c.damageMax, { message: 'damageMin must not exceed damageMax' });

/** Flood level at logical time t: a trapezoid (rise, hold, recede). Pure so tests and docs can use it. */
export function floodLevel(c: Pick<z.output<typeof config>, 'onset' | 'rise' | 'peak' | 'recedeAt' | 'recede'>, t: number): number {
  if (t < c.onset) return 0;
  const rising = Math.min(1, (t - c.onset) / c.rise) * c.peak;
  if (t < c.recedeAt) return rising;
  return Math.max(0, rising * (1 - (t - c.recedeAt) / c.recede));
}

/**
 * The stressor: rising water raises demand (through the level every service
 * sees) and damages exposed services at random, more often and harder the
 * higher the water. It only sends events; the infrastructure applies them.
 */
export const floodHazard = defineModule({
  kind: 'agent',
  name: 'flood-hazard',
  publishes: { metrics: { level: 'Current flood level.', hits: 'Damage hits dealt so far.' } },
  version: '1.0.0',
  description: 'Injects a rising and receding flood: demand surge through the flood level, and random damage to exposed services.',
  config,
  validate: (cfg, scenario) => expectServices(scenario, cfg.target, ['target'], Object.keys(cfg.exposure).map((id) => [id, ['exposure', id]] as const)),
  create(cfg, ctx) {
    const rng = ctx.rng('damage');
    const exposed = Object.keys(cfg.exposure).sort();
    let level = 0;
    let hits = 0;
    return {
      start(sim) {
        sim.emit({ type: 'flood.step', target: ctx.instance, delay: cfg.onset, channel: 'internal' });
      },
      handle: {
        'flood.step'(_e, sim) {
          level = floodLevel(cfg, sim.now);
          sim.emit({ type: 'flood.level', target: cfg.target, channel: 'flood', payload: { level } });
          for (const id of exposed) {
            // One draw per service per step whatever happens, so streams stay aligned across parameter points.
            const u = rng.next();
            const size = rng.uniform(cfg.damageMin, cfg.damageMax);
            if (u < (cfg.exposure[id] ?? 0) * level) {
              hits++;
              sim.emit({ type: 'flood.damage', target: `${cfg.target}/${id}`, channel: 'flood', payload: { amount: size * level, level } });
            }
          }
          if (level > 0 || sim.now < cfg.recedeAt) sim.emit({ type: 'flood.step', target: ctx.instance, delay: cfg.step, channel: 'internal' });
        },
      },
      metrics: () => ({ level, hits }),
      summary: () => ({ hits, finalLevel: level }),
    };
  },
});
