import { defineModule, expectInstance, type Sim, z } from 'swarmlab/sdk';
import { expectServices } from './infrastructure.ts';

const config = z
  .object({
    infrastructure: z.string().min(1).default('infra').describe('Instance of the flood-infrastructure module.'),
    utility: z.string().min(1).optional().describe('Instance of the utility it asks for repairs.'),
    pool: z.number().int().min(0).default(8).describe('Resource units (generators, crews, staff) it can dispatch.'),
    decisionDelay: z.number().min(0).default(0.5).describe('Desired delay of its intents; a latency rule on this instance adds institutional latency.'),
    priority: z.record(z.string(), z.number().min(0)).default({}).describe('Weight per service when requests compete (default 1).'),
    repairAt: z.number().min(0).max(1).default(0.3).describe('Reported damage at which it asks the utility for a repair.'),
    redispatchAfter: z.number().min(0).default(10).describe('A service reported failed gets units unasked if none were sent this long.'),
    sitrepUnits: z.number().int().min(1).default(2).describe('Units sent to a service the situation report shows failed.'),
  })
  .strict();

interface Request {
  readonly service: string;
  units: number;
  urgency: number;
}

/**
 * The emergency coordinator: a finite pool of units, escalations from
 * operators and coarse situation reports. It decides who gets what; its
 * own latency (a latency rule on its instance) is the coordination delay
 * the scenario sweeps.
 */
export const emergencyCoordinator = defineModule({
  kind: 'agent',
  name: 'emergency-coordinator',
  publishes: { metrics: { pool: 'Resource units free.', pending: 'Requests waiting for a unit.', dispatched: 'Units dispatched so far.' } },
  version: '1.0.0',
  description: 'Allocates a finite pool of resource units to escalating or failed services and asks the utility for repairs.',
  config,
  validate: (cfg, scenario) => [
    ...expectServices(scenario, cfg.infrastructure, ['infrastructure'], Object.keys(cfg.priority).map((id) => [id, ['priority', id]] as const)),
    ...(cfg.utility === undefined ? [] : expectInstance(scenario, cfg.utility, ['utility'], ['utility-crews'])),
  ],
  create(cfg, ctx) {
    const self = ctx.instance;
    let pool = cfg.pool;
    const requests: Request[] = [];
    const lastSent = new Map<string, number>();
    let dispatched = 0;
    let escalations = 0;
    let repairRequests = 0;

    const weight = (service: string): number => cfg.priority[service] ?? 1;
    const request = (service: string, units: number, urgency: number): void => {
      const open = requests.find((r) => r.service === service);
      if (open) {
        open.units = Math.max(open.units, units);
        open.urgency = Math.max(open.urgency, urgency);
      } else requests.push({ service, units, urgency });
    };
    const allocate = (sim: Sim): void => {
      while (pool > 0 && requests.length > 0) {
        let best = 0;
        for (let i = 1; i < requests.length; i++) {
          const r = requests[i] as Request;
          const b = requests[best] as Request;
          if (r.urgency > b.urgency || (r.urgency === b.urgency && r.service < b.service)) best = i;
        }
        const [r] = requests.splice(best, 1) as [Request];
        const units = Math.min(pool, r.units);
        pool -= units;
        dispatched += units;
        lastSent.set(r.service, sim.now);
        sim.emit({ type: 'dispatch', target: `${cfg.infrastructure}/${r.service}`, channel: 'dispatch', delay: cfg.decisionDelay, payload: { units } });
      }
    };

    return {
      start(sim) {
        sim.emit({ type: 'subscribe', target: cfg.infrastructure, channel: 'subscribe', payload: { role: 'coordinator', instance: self } });
      },
      handle: {
        escalate(e, sim) {
          escalations++;
          const service = String(e.payload.service);
          const stress = Number(e.payload.stress);
          request(service, Number(e.payload.units), weight(service) * stress);
          if (cfg.utility !== undefined && Number(e.payload.damage) >= cfg.repairAt) {
            repairRequests++;
            sim.emit({ type: 'request-repair', target: cfg.utility, channel: 'repair-request', delay: cfg.decisionDelay, payload: { service, damage: Number(e.payload.damage), priority: weight(service) } });
          }
          allocate(sim);
        },
        sitrep(e, sim) {
          const health = e.payload.health as Record<string, string>;
          for (const service of Object.keys(health).sort()) {
            if (health[service] !== 'failed') continue;
            if (sim.now - (lastSent.get(service) ?? Number.NEGATIVE_INFINITY) < cfg.redispatchAfter) continue;
            // Health only, no stress: treat a failure as urgent as the worst escalation could be.
            request(service, cfg.sitrepUnits, weight(service) * 2);
          }
          allocate(sim);
        },
        'resources.returned'(e, sim) {
          pool += Number(e.payload.units);
          allocate(sim);
        },
        'intent.refused'() {},
      },
      metrics: () => ({ pool, pending: requests.length, dispatched }),
      summary: () => ({ dispatched, escalations, repairRequests, poolAtEnd: pool }),
    };
  },
});
