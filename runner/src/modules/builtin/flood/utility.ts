import { defineModule, type Sim, z } from 'swarmlab/sdk';
import { expectServices } from './infrastructure.ts';

const config = z
  .object({
    infrastructure: z.string().min(1).default('infra').describe('Instance of the flood-infrastructure module.'),
    services: z.array(z.string().min(1)).min(1).describe('Services whose physical plant this utility repairs (it receives their damage reports).'),
    crews: z.number().int().min(0).default(2).describe('Repair crews.'),
    repairTime: z.number().positive().default(4).describe('Desired delay from sending a crew to the repair taking effect.'),
    repairAmount: z.number().min(0).max(1).default(0.3).describe('Damage one crew visit removes.'),
    repairAt: z.number().min(0).max(1).default(0.15).describe('Reported damage worth a crew.'),
    priority: z.record(z.string(), z.number().min(0)).default({}).describe('Weight per service when damage reports compete (default 1).'),
  })
  .strict();

/**
 * The utility: repair crews for the physical plant it owns. It knows damage
 * only from (delayed) damage reports and coordinator requests, and keeps its
 * own, possibly stale, picture of what is broken.
 */
export const utilityCrews = defineModule({
  kind: 'agent',
  name: 'utility-crews',
  publishes: { metrics: { crewsFree: 'Repair crews free.' } },
  version: '1.0.0',
  description: 'Repair crews that answer delayed damage reports and coordinator requests for the services the utility owns.',
  config,
  validate: (cfg, scenario) =>
    expectServices(scenario, cfg.infrastructure, ['infrastructure'], [
      ...cfg.services.map((id, i) => [id, ['services', i]] as const),
      ...Object.keys(cfg.priority).map((id) => [id, ['priority', id]] as const),
    ]),
  create(cfg, ctx) {
    const self = ctx.instance;
    let free = cfg.crews;
    const believed = new Map<string, number>();
    const busyAt = new Set<string>();
    let repairs = 0;

    const send = (sim: Sim): void => {
      while (free > 0) {
        let pick: string | undefined;
        let best = 0;
        for (const [service, damage] of [...believed.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          if (busyAt.has(service) || damage < cfg.repairAt) continue;
          const score = damage * (cfg.priority[service] ?? 1);
          if (score > best) {
            best = score;
            pick = service;
          }
        }
        if (pick === undefined) return;
        free--;
        repairs++;
        busyAt.add(pick);
        believed.set(pick, Math.max(0, (believed.get(pick) ?? 0) - cfg.repairAmount));
        sim.emit({ type: 'repair', target: `${cfg.infrastructure}/${pick}`, channel: 'repair', delay: cfg.repairTime, payload: { amount: cfg.repairAmount } });
        sim.emit({ type: 'crew.back', target: self, channel: 'internal', delay: cfg.repairTime, payload: { service: pick } });
      }
    };

    return {
      start(sim) {
        sim.emit({ type: 'subscribe', target: cfg.infrastructure, channel: 'subscribe', payload: { role: 'utility', instance: self, services: cfg.services } });
      },
      handle: {
        'damage.report'(e, sim) {
          believed.set(String(e.payload.service), Number(e.payload.damage));
          send(sim);
        },
        'request-repair'(e, sim) {
          const service = String(e.payload.service);
          if (!cfg.services.includes(service)) return;
          believed.set(service, Math.max(believed.get(service) ?? 0, Number(e.payload.damage)));
          send(sim);
        },
        'crew.back'(e, sim) {
          free++;
          busyAt.delete(String(e.payload.service));
          send(sim);
        },
        'intent.refused'() {},
      },
      metrics: () => ({ crewsFree: free }),
      summary: () => ({ repairs }),
    };
  },
});
