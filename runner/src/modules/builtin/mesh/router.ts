import { type ConfigIssue, defineModule, expectInstance, expectNetwork, isNetwork, type JsonObject, type Sim, z } from 'swarmlab/sdk';
import { QLearner, qLearningSchema, swarmDivergence } from '../../../lib/qlearning/qlearning.ts';
import { DecisionLedger, verifyLedger, type LedgerSeal } from './ledger.ts';
import { meshPanels } from './panels.ts';

interface CatalogueEntry {
  readonly name: string;
  readonly latency: number;
  readonly price: number;
  readonly capacity: number;
}

export const meshRouterConfig = z
  .object({
    strategy: z
      .enum(['q-learning', 'cheapest', 'least-latency'])
      .default('q-learning')
      .describe('q-learning: a swarm of learning agents; cheapest / least-latency: the static baseline router.'),
    agents: z.number().int().min(1).max(1000).default(10).describe('Routing agents (ids "0".."n-1", the nodes of the gossip network).'),
    providers: z.string().min(1).default('providers').describe('Provider pool instance requests are routed to.'),
    network: z.string().min(1).optional().describe('Network instance whose edges carry gossip between agents.'),
    gossipInterval: z.number().min(0).default(10).describe('Logical time between Q-table gossip rounds (0 = no gossip).'),
    gossipMix: z.number().min(0).max(1).default(0.5).describe('Weight of a neighbour\'s Q-values when merging gossip.'),
    coordinator: z.string().min(1).optional().describe('Swarm coordinator instance that receives a performance report every interval.'),
    interval: z.number().positive().default(10).describe('Reporting interval; also the width of one Merkle root of the decision log.'),
    learning: qLearningSchema({ learningRate: 0.1, discount: 0.9, epsilon: 0.2, epsilonDecay: 0.999, epsilonMin: 0.02, replayCapacity: 200, replayBatch: 4 })
      .prefault({})
      .describe('Q-learning parameters of every agent.'),
    reward: z
      .object({
        latencyWeight: z.number().min(0).default(0.5).describe('Penalty per latencyRef of latency.'),
        costWeight: z.number().min(0).default(0.25).describe('Penalty per costRef of cost.'),
        latencyRef: z.number().positive().default(1).describe('Latency that costs latencyWeight of reward.'),
        costRef: z.number().positive().default(4).describe('Cost that costs costWeight of reward.'),
        failure: z.number().max(0).default(-1).describe('Reward of a rejected request.'),
      })
      .strict()
      .prefault({})
      .describe('Multi-objective reward: 1 - latency and cost penalties when served, `failure` when rejected.'),
    loadBuckets: z.array(z.number().positive()).max(16).default([15, 30, 45]).describe('Thresholds of an agent\'s estimate of total request rate; its bucket is the Q-learning state.'),
    decisionLog: z.string().max(128).default('decisions.jsonl').describe('Tamper-evident decision log file ("" = none).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.network !== undefined && c.gossipInterval > 0 && c.strategy !== 'q-learning') {
      ctx.addIssue({ code: 'custom', path: ['gossipInterval'], message: 'a static router has no Q-tables to gossip; set gossipInterval: 0' });
    }
  });

interface Pending {
  readonly agent: number;
  readonly state: string;
  readonly action: number;
}

/**
 * A swarm of routing agents. Each agent owns one Q-table over (load bucket ->
 * provider), picks epsilon-greedily, learns from the response's multi-objective
 * reward with experience replay, gossips its table to network neighbours, and
 * obeys the coordinator's interventions. Every decision goes to the hash-chained log.
 */
export const meshRouter = defineModule({
  kind: 'agent',
  name: 'mesh-router',
  panels: meshPanels,
  version: '1.0.0',
  description: 'Routing agents choosing AI providers by Q-learning (or a static cheapest / least-latency baseline), with gossip and a tamper-evident decision log.',
  config: meshRouterConfig,
  dependsOn: (c) => (c.network !== undefined ? [c.network] : []),
  validate(config, scenario) {
    const issues: ConfigIssue[] = [];
    const pool = expectInstance(scenario, config.providers, ['providers'], ['mesh-providers']);
    issues.push(...pool);
    // The pool sends its catalogue to its own router: a router it does not serve never learns the providers.
    const serves = pool.length ? undefined : (scenario.config(config.providers) as { router: string }).router;
    if (serves !== undefined && serves !== scenario.self.instance) {
      issues.push({ path: ['providers'], message: `provider pool ${config.providers} serves router ${serves}, not ${scenario.self.instance}`, hint: `set ${config.providers}'s router to ${scenario.self.instance}, or give this router its own pool` });
    }
    if (config.coordinator !== undefined) issues.push(...expectInstance(scenario, config.coordinator, ['coordinator'], ['mesh-coordinator']));
    if (config.network !== undefined) {
      const net = expectNetwork(scenario, config.network, ['network']);
      if (!isNetwork(net)) issues.push(...net);
      else {
        const lacking = Array.from({ length: config.agents }, (_, i) => String(i)).find((id) => net.hasNode(id) === false);
        if (lacking !== undefined) {
          issues.push({ path: ['agents'], message: `network ${config.network} has no node "${lacking}" for agent ${lacking}`, hint: 'give the network at least as many nodes as the router has agents (ids 0..agents-1)' });
        }
      }
    }
    return issues;
  },
  create(config, ctx) {
    const n = config.agents;
    const learning = config.strategy === 'q-learning';
    let catalogue: CatalogueEntry[] | undefined;
    let learners: QLearner[] = [];
    let staticChoice = 0;
    const gapEwma = new Array<number>(n).fill(0);
    const lastArrival = new Array<number>(n).fill(Number.NaN);
    const pending = new Map<number, Pending>();
    const intervalSum = new Array<number>(n).fill(0);
    const intervalCount = new Array<number>(n).fill(0);
    const exploreUntil = new Array<number>(n).fill(-1);
    const exploreEps = new Array<number>(n).fill(0);
    const ledger = config.decisionLog ? new DecisionLedger(config.decisionLog, config.interval) : undefined;
    let requests = 0;
    let served = 0;
    let rejected = 0;
    let costSum = 0;
    let latencySum = 0;
    let divergence = 0;
    let gossipMessages = 0;
    let resets = 0;
    let explores = 0;
    let reports = 0;
    const graph = config.network !== undefined ? ctx.network(config.network) : undefined;
    const bucketOf = (agent: number): string => {
      const g = gapEwma[agent]!;
      const rate = g > 0 ? n / g : 0;
      let b = 0;
      while (b < config.loadBuckets.length && rate >= config.loadBuckets[b]!) b++;
      return `L${b}`;
    };

    const rewardOf = (p: JsonObject): number => {
      if (p.served !== true) return config.reward.failure;
      const r = config.reward;
      return 1 - (r.latencyWeight * (p.latency as number)) / r.latencyRef - (r.costWeight * (p.cost as number)) / r.costRef;
    };

    const stillRunning = (sim: Sim, delay: number): boolean => ctx.horizon.time === undefined || sim.now + delay <= ctx.horizon.time;

    const agentOf = (addr: string): number | undefined => {
      const slash = addr.indexOf('/');
      if (slash < 0) return undefined;
      const a = Number(addr.slice(slash + 1));
      return Number.isInteger(a) && a >= 0 && a < n ? a : undefined;
    };

    return {
      start(sim) {
        if (learning && config.network !== undefined && config.gossipInterval > 0) {
          sim.emit({ type: 'gossip.tick', target: ctx.instance, delay: config.gossipInterval });
        }
        sim.emit({ type: 'report.tick', target: ctx.instance, delay: config.interval });
      },
      handle: {
        catalogue(e) {
          catalogue = (e.payload.providers as unknown as CatalogueEntry[]).slice();
          const k = catalogue.length;
          if (learning) learners = Array.from({ length: n }, (_, i) => new QLearner(k, config.learning, ctx.rng(`agent-${i}`)));
          else {
            const key = config.strategy === 'cheapest' ? (c: CatalogueEntry) => c.price : (c: CatalogueEntry) => c.latency;
            staticChoice = catalogue.reduce((best, c, i) => (key(c) < key(catalogue![best]!) ? i : best), 0);
          }
        },
        request(e, sim) {
          const id = e.payload.id as number;
          const agent = (e.payload.client as number) % n;
          requests++;
          const last = lastArrival[agent]!;
          if (!Number.isNaN(last)) {
            const gap = sim.now - last;
            gapEwma[agent] = gapEwma[agent]! === 0 ? gap : 0.8 * gapEwma[agent]! + 0.2 * gap;
          }
          lastArrival[agent] = sim.now;
          if (!catalogue) {
            rejected++;
            return;
          }
          const state = bucketOf(agent);
          let action = staticChoice;
          let explored = false;
          let epsilon = 0;
          if (learning) {
            const l = learners[agent]!;
            const boost = sim.now < exploreUntil[agent]! ? exploreEps[agent]! : undefined;
            const c = l.choose(state, boost);
            action = c.action;
            explored = c.explored;
            epsilon = Math.max(l.epsilon, boost ?? 0);
          }
          pending.set(id, { agent, state, action });
          ledger?.append(sim.now, {
            agent,
            request: id,
            strategy: config.strategy,
            state,
            provider: catalogue[action]!.name,
            explored,
            epsilon,
          });
          sim.emit({ type: 'route', target: config.providers, from: String(agent), payload: { id, agent, provider: action, u: e.payload.u ?? 0.5 } });
        },
        response(e) {
          const id = e.payload.id as number;
          const p = pending.get(id);
          if (!p) return;
          pending.delete(id);
          const reward = rewardOf(e.payload);
          if (e.payload.served === true) {
            served++;
            costSum += e.payload.cost as number;
            latencySum += e.payload.latency as number;
          } else rejected++;
          intervalSum[p.agent] = intervalSum[p.agent]! + reward;
          intervalCount[p.agent] = intervalCount[p.agent]! + 1;
          if (learning) learners[p.agent]!.update({ state: p.state, action: p.action, reward, next: bucketOf(p.agent) });
        },
        'gossip.tick'(_e, sim) {
          for (let i = 0; i < n; i++) {
            const table = learners[i]?.snapshot() ?? {};
            for (const nb of graph!.neighbors(String(i))) {
              const j = Number(nb);
              if (!(j >= 0 && j < n)) continue;
              gossipMessages++;
              sim.emit({ type: 'gossip', target: `${ctx.instance}/${nb}`, from: String(i), via: config.network!, payload: { from: i, table } });
            }
          }
          if (stillRunning(sim, config.gossipInterval)) sim.emit({ type: 'gossip.tick', target: ctx.instance, delay: config.gossipInterval });
        },
        gossip(e) {
          const j = agentOf(e.target);
          if (j === undefined || !learners[j]) return;
          learners[j].merge(e.payload.table as unknown as Record<string, number[]>, config.gossipMix);
        },
        'report.tick'(_e, sim) {
          reports++;
          if (learning && catalogue) divergence = swarmDivergence(learners.map((l) => l.snapshot()), catalogue.length);
          const perAgent: (number | null)[] = [];
          let sum = 0;
          let count = 0;
          for (let i = 0; i < n; i++) {
            const c = intervalCount[i]!;
            perAgent.push(c > 0 ? intervalSum[i]! / c : null);
            sum += intervalSum[i]!;
            count += c;
            intervalSum[i] = 0;
            intervalCount[i] = 0;
          }
          if (config.coordinator !== undefined) {
            sim.emit({
              type: 'report',
              target: config.coordinator,
              payload: { interval: reports - 1, swarmReward: count > 0 ? sum / count : null, responses: count, agents: perAgent, divergence },
            });
          }
          if (stillRunning(sim, config.interval)) sim.emit({ type: 'report.tick', target: ctx.instance, delay: config.interval });
        },
        intervene(e, sim) {
          const one = agentOf(e.target);
          const targets = one === undefined ? Array.from({ length: n }, (_, i) => i) : [one];
          for (const a of targets) {
            if (e.payload.kind === 'reset') {
              learners[a]?.reset();
              resets++;
            } else if (e.payload.kind === 'explore') {
              exploreEps[a] = e.payload.epsilon as number;
              exploreUntil[a] = sim.now + (e.payload.duration as number);
              explores++;
            }
          }
        },
      },
      metrics: () => {
        let eps = 0;
        for (const l of learners) eps += l.epsilon;
        const done = served + rejected;
        return {
          requests,
          served,
          rejected,
          fillRate: done > 0 ? served / done : 0,
          avgCost: served > 0 ? costSum / served : 0,
          avgLatency: served > 0 ? latencySum / served : 0,
          epsilon: learners.length > 0 ? eps / learners.length : 0,
          divergence,
        };
      },
      summary: () => {
        const done = served + rejected;
        if (learning && catalogue) divergence = swarmDivergence(learners.map((l) => l.snapshot()), catalogue.length);
        const out: JsonObject = {
          strategy: config.strategy,
          agents: n,
          requests,
          served,
          rejected,
          fillRate: done > 0 ? served / done : 0,
          avgCost: served > 0 ? costSum / served : 0,
          avgLatency: served > 0 ? latencySum / served : 0,
          divergence,
          gossipMessages,
          interventionsApplied: { reset: resets, explore: explores },
        };
        if (learning) {
          out.agentStats = learners.map((l, i) => ({ agent: i, updates: l.updates, states: l.stateCount, epsilon: l.epsilon }));
        }
        if (ledger) out.decisionLog = ledger.seal() as unknown as JsonObject;
        return out;
      },
      analyze: () => (ledger ? { [ledger.file]: ledger.content() } : {}),
    };
  },
  verify(files) {
    const problems: string[] = [];
    const text = files.get('summary.json');
    if (text === undefined) return ['summary.json is missing'];
    const summary = z
      .object({
        modules: z.array(z.object({ module: z.string(), name: z.string() }).loose()),
        results: z.record(z.string(), z.record(z.string(), z.unknown())),
      })
      .loose()
      .safeParse(JSON.parse(text));
    if (!summary.success) return ['summary.json does not have modules and results'];
    for (const m of summary.data.modules) {
      if (m.module !== 'mesh-router') continue;
      const seal = SealSchema.safeParse(summary.data.results[m.name]?.decisionLog);
      if (!seal.success) continue;
      const log = files.get(seal.data.file);
      if (log === undefined) {
        problems.push(`${m.name}: decision log ${seal.data.file} is missing`);
        continue;
      }
      problems.push(...verifyLedger(log, seal.data as LedgerSeal).map((p) => `${m.name}: ${p}`));
    }
    return problems;
  },
});

const SealSchema = z
  .object({
    file: z.string().min(1),
    decisions: z.number().int().min(0),
    head: z.string(),
    interval: z.number().positive(),
    roots: z.array(z.object({ interval: z.number(), first: z.number(), count: z.number(), root: z.string() }).strict()),
  })
  .strict();
