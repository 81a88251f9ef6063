import { defineModule, expectInstance, z } from 'swarmlab/sdk';
import { expectServices } from './infrastructure.ts';

const config = z
  .object({
    infrastructure: z.string().min(1).default('infra').describe('Instance of the flood-infrastructure module.'),
    coordinator: z.string().min(1).default('coordinator').describe('Instance it escalates to.'),
    service: z.string().min(1).describe('The service this operator runs; it sees only this one.'),
    decisionDelay: z.number().min(0).default(0.5).describe('Desired delay of its intents (time to decide); latency rules add institutional delay.'),
    escalateAt: z.number().min(0).default(0.95).describe('Observed stress at which it escalates to the coordinator.'),
    escalateUnits: z.number().int().min(1).default(2).describe('Resource units it asks for per escalation.'),
    escalateCooldown: z.number().min(0).default(6).describe('Minimum time between two escalations.'),
    shedAt: z.number().min(0).default(1.2).describe('Observed stress at which it sheds load.'),
    shedStep: z.number().min(0).max(0.9).default(0.15).describe('Load fraction shed per decision.'),
    maxShed: z.number().min(0).max(0.9).default(0.15).describe('Largest fraction of demand it will ever refuse.'),
    relaxAt: z.number().min(0).default(0.6).describe('Observed stress under which it restores shed load and stops rerouting.'),
    rerouteTo: z.string().min(1).optional().describe('An alternate service that can take part of the demand.'),
    rerouteAt: z.number().min(0).default(1.0).describe('Observed stress at which it reroutes.'),
    rerouteFraction: z.number().min(0).max(0.9).default(0.3).describe('Demand fraction it reroutes.'),
  })
  .strict();

/**
 * A service operator: sees its own service only, through delayed observations,
 * and acts by intents (escalate, shed load, reroute). Its knowledge of its
 * own past actions is all it remembers; it never reads the live state.
 */
export const serviceOperator = defineModule({
  kind: 'agent',
  name: 'service-operator',
  publishes: { metrics: { seenStress: 'The stress the operator last observed (delayed, partial).', staleness: 'Age of that observation.', shed: 'Load fraction shed now.', escalations: 'Escalations so far.' } },
  version: '1.0.1',
  description: 'Runs one service: escalates to the coordinator, sheds load or reroutes demand, from delayed partial observations.',
  config,
  validate: (cfg, scenario) => [
    ...expectServices(scenario, cfg.infrastructure, ['infrastructure'], [[cfg.service, ['service']], ...(cfg.rerouteTo === undefined ? [] : [[cfg.rerouteTo, ['rerouteTo']] as const])]),
    ...expectInstance(scenario, cfg.coordinator, ['coordinator'], ['emergency-coordinator']),
  ],
  create(cfg, ctx) {
    const self = ctx.instance;
    const target = `${cfg.infrastructure}/${cfg.service}`;
    let shed = 0;
    let rerouting = false;
    let lastEscalation = Number.NEGATIVE_INFINITY;
    let escalations = 0;
    let sheds = 0;
    let reroutes = 0;
    let lastSeenStress = 0;
    let staleness = 0;
    // The lowest observed stress this operator acts on; below it, with nothing shed or rerouted, it stays idle.
    const actsAt = Math.min(cfg.escalateAt, cfg.shedAt, ...(cfg.rerouteTo === undefined ? [] : [cfg.rerouteAt]));
    return {
      start(sim) {
        sim.emit({ type: 'subscribe', target: cfg.infrastructure, channel: 'subscribe', payload: { role: 'operator', instance: self, services: [cfg.service], actsAt } });
      },
      handle: {
        observe(e, sim) {
          const stress = Number(e.payload.stress);
          lastSeenStress = stress;
          staleness = sim.now - Number(e.payload.measuredAt);
          if (stress >= cfg.escalateAt && sim.now - lastEscalation >= cfg.escalateCooldown) {
            lastEscalation = sim.now;
            escalations++;
            sim.emit({
              type: 'escalate',
              target: cfg.coordinator,
              channel: 'escalation',
              delay: cfg.decisionDelay,
              payload: { service: cfg.service, stress, health: String(e.payload.health), damage: Number(e.payload.damage), units: cfg.escalateUnits, measuredAt: Number(e.payload.measuredAt) },
            });
          }
          if (stress >= cfg.shedAt && shed < cfg.maxShed) {
            shed = Math.min(cfg.maxShed, shed + cfg.shedStep);
            sheds++;
            sim.emit({ type: 'shed', target, channel: 'operations', delay: cfg.decisionDelay, payload: { fraction: shed } });
          } else if (stress < cfg.relaxAt && shed > 0) {
            shed = 0;
            sim.emit({ type: 'shed', target, channel: 'operations', delay: cfg.decisionDelay, payload: { fraction: 0 } });
          }
          if (cfg.rerouteTo !== undefined) {
            if (!rerouting && stress >= cfg.rerouteAt) {
              rerouting = true;
              reroutes++;
              sim.emit({ type: 'reroute', target, channel: 'operations', delay: cfg.decisionDelay, payload: { to: cfg.rerouteTo, fraction: cfg.rerouteFraction } });
            } else if (rerouting && stress < cfg.relaxAt) {
              rerouting = false;
              sim.emit({ type: 'reroute', target, channel: 'operations', delay: cfg.decisionDelay, payload: { to: cfg.rerouteTo, fraction: 0 } });
            }
          }
        },
        'intent.refused'() {},
      },
      metrics: () => ({ seenStress: lastSeenStress, staleness, shed, escalations }),
      summary: () => ({ escalations, sheds, reroutes }),
    };
  },
});
