import { type ConfigIssue, defineModule, entityOf, expectInstance, expectNetwork, type Graph, isNetwork, type JsonObject, moduleFailure, type ScenarioView, type Sim, type SimEvent, z } from 'swarmlab/sdk';
import { analyzeFailures, FailureAnalysis, renderFailureAnalysis } from './analysis.ts';
import { floodPanels } from './panels.ts';
import { RestingCycles } from './resting-cycles.ts';

export const HEALTH = ['ok', 'degraded', 'failed'] as const;
export type Health = (typeof HEALTH)[number];
const rank = (h: Health): number => HEALTH.indexOf(h);

const serviceSpec = z
  .object({
    capacity: z.number().positive().describe('Work the service can do per time unit when undamaged and fully supplied.'),
    baseLoad: z.number().min(0).describe('Demand per time unit before the flood.'),
    surge: z.number().min(0).default(0.5).describe('Extra demand at flood level 1, as a fraction of baseLoad.'),
    criticality: z.number().min(0).default(1).describe('Priority the coordinator and the utility give this service.'),
  })
  .strict();

export type ServiceSpec = z.output<typeof serviceSpec>;

const config = z
  .object({
    network: z.string().min(1).describe('The `explicit` network holding the dependency graph. Edge A -> B means B depends on A; its weight is the propagation delay (with an `edge` latency rule on channel `dependency`).'),
    services: z.record(z.string(), serviceSpec).describe('Every node of the dependency graph, by id.'),
    tick: z.number().positive().default(1).describe('Time between service updates (queues served, stress recomputed).'),
    degradeAt: z.number().positive().default(0.9).describe('Stress (demand plus backlog over capacity) at which a service is degraded.'),
    failAt: z.number().positive().default(1.6).describe('Stress at which a service fails.'),
    recoverAt: z.number().positive().default(0.8).describe('A failed service recovers only once stress falls below this.'),
    failDamage: z.number().min(0).max(1).default(0.8).describe('Damage (fraction of capacity lost) at which a service fails outright.'),
    degradedSupply: z.number().min(0).max(1).default(0.95).describe('Capacity factor per degraded upstream service.'),
    failedSupply: z.number().min(0).max(1).default(0.7).describe('Capacity factor per failed upstream service.'),
    unitCapacity: z.number().min(0).default(0.25).describe('Capacity one dispatched resource unit adds, as a fraction of the service\'s capacity.'),
    deployment: z.number().positive().default(40).describe('How long dispatched units stay before returning to the coordinator.'),
    observeEvery: z.number().positive().default(2).describe('Interval of status observations sent to service operators.'),
    sitrepEvery: z.number().positive().default(4).describe('Interval of coarse situation reports (health only) sent to the coordinator.'),
    maxStress: z.number().positive().default(10).describe('Stress values are capped here so that a service with no capacity stays finite in metrics.'),
  })
  .strict()
  .refine((c) => c.recoverAt <= c.failAt && c.degradeAt <= c.failAt, { message: 'need recoverAt <= failAt and degradeAt <= failAt' });

export type InfrastructureConfig = z.output<typeof config>;

/**
 * For the modules that act on an infrastructure instance: an issue unless
 * `name` is a flood-infrastructure instance and each of `services` (with the
 * config path it came from) is one of its services.
 */
export function expectServices(scenario: ScenarioView, name: string, path: readonly (string | number)[], services: readonly (readonly [string, readonly (string | number)[]])[]): ConfigIssue[] {
  const found = expectInstance(scenario, name, path, ['flood-infrastructure']);
  if (found.length) return found;
  const known = (scenario.config(name) as InfrastructureConfig).services;
  return services
    .filter(([id]) => known[id] === undefined)
    .map(([id, at]) => ({ path: at, message: `service ${id} is not a service of ${name}`, hint: `services: ${Object.keys(known).join(', ')}` }));
}

interface ServiceState {
  readonly id: string;
  readonly spec: ServiceSpec;
  health: Health;
  /** Health of each upstream service as last reported to this one. */
  readonly upstream: Map<string, Health>;
  load: number;
  queue: number;
  damage: number;
  resources: number;
  shed: number;
  reroute: { to: string; fraction: number } | undefined;
  stress: number;
  unmet: number;
  everFailed: boolean;
}

/**
 * The state owner of the flood scenario: every service's capacity, load,
 * queue, damage, deployed resources and health lives here and changes only in
 * this module's handlers. Agents send intents (shed, reroute, dispatch,
 * repair); the flood sends level and damage; failures travel to dependents
 * as `dependency.change` events over the network, downstream only.
 */
export const floodInfrastructure = defineModule({
  kind: 'agent',
  name: 'flood-infrastructure',
  panels: floodPanels,
  version: '1.1.0',
  description: 'Public services on a dependency graph under flood stress: capacity, load, queue, damage and health per service; failures propagate to dependents only.',
  config,
  dependsOn: (c) => [c.network],
  outputs: { 'failure_analysis.json': FailureAnalysis },
  validate(cfg, scenario) {
    const net = expectNetwork(scenario, cfg.network, ['network']);
    if (!isNetwork(net)) return net;
    const nodes = net.nodeIds;
    if (nodes === undefined) return [];
    const issues: ConfigIssue[] = [];
    const missing = nodes.filter((node) => cfg.services[node] === undefined);
    if (missing.length) {
      issues.push({ path: ['services'], message: `node${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} of network ${cfg.network} ha${missing.length > 1 ? 've' : 's'} no entry in services`, hint: 'give every node of the dependency graph a service entry' });
    }
    for (const id of Object.keys(cfg.services)) {
      if (!net.hasNode(id)) issues.push({ path: ['services', id], message: `service ${id} is not a node of network ${cfg.network}` });
    }
    return issues;
  },
  async verify(files) {
    const problems: string[] = [];
    const json = files.get('failure_analysis.json');
    if (json === undefined) return problems;
    const parsed = FailureAnalysis.safeParse(JSON.parse(json));
    if (!parsed.success) return ['failure_analysis.json does not match its schema'];
    let failures = 0;
    let events = 0;
    for await (const e of files.events()) {
      events++;
      if (e.type === 'health.changed' && e.payload['to'] === 'failed') failures++;
    }
    // A trace level without an event log leaves nothing to check the analysis against.
    if (events === 0) return problems;
    const listed = parsed.data.timeline.filter((t) => t.to === 'failed').length;
    if (failures !== listed) problems.push(`failure_analysis.json lists ${listed} failures, the event log has ${failures}`);
    return problems;
  },
  create(cfg, ctx) {
    const graph: Graph = ctx.network(cfg.network);
    const self = ctx.instance;
    const ids = graph.nodes;
    const services = new Map<string, ServiceState>();
    for (const id of ids) {
      const spec = cfg.services[id] as ServiceSpec;
      services.set(id, {
        id,
        spec,
        health: 'ok',
        upstream: new Map(graph.predecessors(id).map((u) => [u, 'ok' as Health])),
        load: spec.baseLoad,
        queue: 0,
        damage: 0,
        resources: 0,
        shed: 0,
        reroute: undefined,
        stress: 0,
        unmet: 0,
        everFailed: false,
      });
    }
    let level = 0;
    const operators = new Map<string, string[]>();
    /** Per service: the lowest stress at which one of its operators acts. */
    const quietBelow = new Map<string, number>();
    const sitrepTo: string[] = [];
    const damageTo = new Map<string, string[]>();

    const get = (id: string | undefined, event: SimEvent): ServiceState => {
      const s = id === undefined ? undefined : services.get(id);
      if (!s) throw moduleFailure(`${self}: event ${event.type} from ${event.source} names unknown service ${String(id)}`);
      return s;
    };

    const supplyFactor = (s: ServiceState): number => {
      let f = 1;
      for (const h of s.upstream.values()) {
        if (h === 'degraded') f *= cfg.degradedSupply;
        else if (h === 'failed') f *= cfg.failedSupply;
      }
      return f;
    };
    const effectiveCapacity = (s: ServiceState): number =>
      (s.spec.capacity * (1 - s.damage) + s.resources * cfg.unitCapacity * s.spec.capacity) * supplyFactor(s);
    const computeStress = (s: ServiceState): number => {
      const cap = effectiveCapacity(s);
      const need = s.load + s.queue / cfg.tick;
      if (cap <= 0) return need > 0 ? cfg.maxStress : 0;
      return Math.min(cfg.maxStress, need / cap);
    };

    /** Recomputes stress and health; a change is logged as its own event pointing at its cause. */
    const reassess = (s: ServiceState, cause: SimEvent, sim: Sim): void => {
      s.stress = computeStress(s);
      let next: Health;
      if (s.damage >= cfg.failDamage || s.stress >= cfg.failAt) next = 'failed';
      else if (s.health === 'failed' && s.stress >= cfg.recoverAt) next = 'failed';
      else if (s.stress >= cfg.degradeAt) next = 'degraded';
      else next = 'ok';
      // A service cannot run normally while something it depends on is down.
      for (const h of s.upstream.values()) if (h === 'failed' && rank(next) < rank('degraded')) next = 'degraded';
      if (next === s.health) return;
      const from = s.health;
      s.health = next;
      if (next === 'failed') s.everFailed = true;
      sim.emit({
        type: 'health.changed',
        target: self,
        channel: 'status',
        payload: {
          service: s.id,
          from,
          to: next,
          stress: s.stress,
          damage: s.damage,
          cause: { seq: cause.seq, type: cause.type, source: cause.source, time: cause.time },
        },
      });
    };

    const demandOf = (s: ServiceState): number => s.spec.baseLoad * (1 + s.spec.surge * level) * (1 - s.shed);

    const tick = (event: SimEvent, sim: Sim): void => {
      const demand = new Map<string, number>();
      for (const s of services.values()) demand.set(s.id, demandOf(s));
      for (const s of services.values()) {
        if (!s.reroute) continue;
        const moved = (demand.get(s.id) ?? 0) * s.reroute.fraction;
        demand.set(s.id, (demand.get(s.id) ?? 0) - moved);
        demand.set(s.reroute.to, (demand.get(s.reroute.to) ?? 0) + moved);
      }
      for (const s of services.values()) {
        s.load = demand.get(s.id) ?? 0;
        const work = s.queue + s.load * cfg.tick;
        const served = Math.min(work, effectiveCapacity(s) * cfg.tick);
        s.queue = work - served;
        reassess(s, event, sim);
      }
    };

    /**
     * At rest: no water, and every service settled: not failed, no backlog, no
     * shedding or rerouting, its load already the demand a tick would set, and
     * its stress below what any of its operators acts on. A tick, observation
     * or situation report then changes nothing and prompts no operator or
     * coordinator, so the cycles pause until an event changes the state.
     */
    const resting = (): boolean => {
      if (level !== 0) return false;
      for (const s of services.values()) {
        if (s.health === 'failed' || s.queue !== 0 || s.shed !== 0 || s.reroute !== undefined || s.load !== demandOf(s)) return false;
        if (s.stress >= (quietBelow.get(s.id) ?? Number.POSITIVE_INFINITY)) return false;
      }
      return true;
    };
    const cycles = new RestingCycles(self, [
      { type: 'tick', every: cfg.tick, priority: 1 },
      { type: 'observe.cycle', every: cfg.observeEvery, priority: 2 },
      { type: 'sitrep.cycle', every: cfg.sitrepEvery, priority: 2 },
    ]);
    const wake = (sim: Sim): void => cycles.wake(resting, sim);

    return {
      start(sim) {
        cycles.start(sim);
      },
      handle: {
        tick(event, sim) {
          tick(event, sim);
          cycles.continue('tick', resting(), sim);
        },
        subscribe(event) {
          const role = String(event.payload.role);
          const who = String(event.payload.instance ?? event.source);
          if (role === 'operator') {
            const list = Array.isArray(event.payload.services) ? event.payload.services.map(String) : [];
            for (const id of list) {
              get(id, event);
              operators.set(id, [...(operators.get(id) ?? []), who]);
              if (typeof event.payload.actsAt === 'number') quietBelow.set(id, Math.min(quietBelow.get(id) ?? Number.POSITIVE_INFINITY, event.payload.actsAt));
            }
          } else if (role === 'coordinator') sitrepTo.push(who);
          else if (role === 'utility') {
            const list = Array.isArray(event.payload.services) ? event.payload.services.map(String) : [];
            for (const id of list) {
              get(id, event);
              damageTo.set(id, [...(damageTo.get(id) ?? []), who]);
            }
          } else throw moduleFailure(`${self}: unknown subscriber role ${role} from ${event.source}`);
        },
        'observe.cycle'(_event, sim) {
          // Operators see only their own service, and only as it was when measured.
          for (const s of services.values()) {
            for (const op of operators.get(s.id) ?? []) {
              sim.emit({
                type: 'observe',
                target: op,
                channel: 'observation',
                payload: { service: s.id, measuredAt: sim.now, stress: s.stress, health: s.health, queue: s.queue, damage: s.damage, resources: s.resources },
              });
            }
          }
          cycles.continue('observe.cycle', resting(), sim);
        },
        'sitrep.cycle'(_event, sim) {
          // The coordinator gets health states only: no stress figures, no queues.
          const health: JsonObject = {};
          for (const s of services.values()) health[s.id] = s.health;
          for (const c of sitrepTo) sim.emit({ type: 'sitrep', target: c, channel: 'sitrep', payload: { measuredAt: sim.now, health } });
          cycles.continue('sitrep.cycle', resting(), sim);
        },
        'flood.level'(event, sim) {
          level = Number(event.payload.level);
          for (const s of services.values()) s.stress = computeStress(s);
          wake(sim);
        },
        'flood.damage'(event, sim) {
          const s = get(entityOf(event.target), event);
          s.damage = Math.min(1, s.damage + Number(event.payload.amount));
          reassess(s, event, sim);
          for (const u of damageTo.get(s.id) ?? []) {
            sim.emit({ type: 'damage.report', target: u, channel: 'damage-report', payload: { service: s.id, damage: s.damage, measuredAt: sim.now } });
          }
          wake(sim);
        },
        'health.changed'(event, sim) {
          // Failure travels along dependency edges only: to the services that depend on this one.
          const id = String(event.payload.service);
          for (const down of graph.neighbors(id)) {
            sim.emit({
              type: 'dependency.change',
              target: `${self}/${down}`,
              from: id,
              via: cfg.network,
              channel: 'dependency',
              payload: { upstream: id, health: String(event.payload.to), origin: event.seq },
            });
          }
        },
        'dependency.change'(event, sim) {
          const s = get(entityOf(event.target), event);
          const up = String(event.payload.upstream);
          if (!s.upstream.has(up)) throw moduleFailure(`${self}: ${s.id} does not depend on ${up}`);
          s.upstream.set(up, event.payload.health as Health);
          reassess(s, event, sim);
          wake(sim);
        },
        // Shedding and rerouting change how the next tick splits demand; they move no work by themselves.
        shed(event, sim) {
          const s = get(entityOf(event.target), event);
          s.shed = Math.max(0, Math.min(0.9, Number(event.payload.fraction)));
          wake(sim);
        },
        reroute(event, sim) {
          const s = get(entityOf(event.target), event);
          const fraction = Math.max(0, Math.min(0.9, Number(event.payload.fraction)));
          const to = String(event.payload.to);
          get(to, event);
          s.reroute = fraction > 0 && to !== s.id ? { to, fraction } : undefined;
          wake(sim);
        },
        dispatch(event, sim) {
          const s = get(entityOf(event.target), event);
          const units = Math.max(0, Math.floor(Number(event.payload.units)));
          s.resources += units;
          reassess(s, event, sim);
          sim.emit({
            type: 'release',
            target: `${self}/${s.id}`,
            delay: cfg.deployment,
            channel: 'internal',
            payload: { units, owner: event.source },
          });
          wake(sim);
        },
        release(event, sim) {
          const s = get(entityOf(event.target), event);
          const units = Number(event.payload.units);
          s.resources = Math.max(0, s.resources - units);
          reassess(s, event, sim);
          sim.emit({ type: 'resources.returned', target: String(event.payload.owner), channel: 'return', payload: { service: s.id, units } });
          wake(sim);
        },
        repair(event, sim) {
          const s = get(entityOf(event.target), event);
          s.damage = Math.max(0, s.damage - Number(event.payload.amount));
          reassess(s, event, sim);
          wake(sim);
        },
      },
      metrics() {
        const out: Record<string, number> = {};
        let failedNow = 0;
        let failedEver = 0;
        for (const s of services.values()) {
          out[`${s.id}.stress`] = s.stress;
          out[`${s.id}.load`] = s.load;
          out[`${s.id}.queue`] = s.queue;
          out[`${s.id}.capacity`] = effectiveCapacity(s);
          out[`${s.id}.resources`] = s.resources;
          out[`${s.id}.damage`] = s.damage;
          out[`${s.id}.shed`] = s.shed;
          out[`${s.id}.health`] = rank(s.health);
          if (s.health === 'failed') failedNow++;
          if (s.everFailed) failedEver++;
        }
        out.level = level;
        out.failedNow = failedNow;
        out.failedEver = failedEver;
        return out;
      },
      summary() {
        const perService: JsonObject = {};
        for (const s of services.values()) {
          perService[s.id] = { health: s.health, everFailed: s.everFailed, damage: s.damage, queue: s.queue, stress: s.stress };
        }
        return {
          failedServices: [...services.values()].filter((s) => s.everFailed).length,
          failedAtEnd: [...services.values()].filter((s) => s.health === 'failed').length,
          services: perService,
        };
      },
      analyze(log) {
        const analysis = analyzeFailures(log, {
          instance: self,
          services: ids,
          edges: graph.edges.map((e) => ({ from: e.from, to: e.to })),
          capacity: Object.fromEntries(ids.map((id) => [id, (cfg.services[id] as ServiceSpec).capacity])),
          rng: ctx.rng('analysis/gat'),
        });
        return {
          'failure_analysis.json': `${JSON.stringify(analysis, null, 2)}\n`,
          'failure_analysis.md': renderFailureAnalysis(analysis),
        };
      },
    };
  },
});
