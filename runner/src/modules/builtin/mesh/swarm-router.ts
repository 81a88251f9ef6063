import { type Graph, type JsonObject, type ModuleContext, type ModuleRuntime, moduleFailure, type Sim, type SimEvent } from 'swarmlab/sdk';
import { tableDistance } from '../../../lib/qlearning/qlearning.ts';
import { DecisionLedger } from './ledger.ts';
import { CatalogueMessage, OBSERVATION_ENCODING, PoolView, type ProviderStatus } from './observation.ts';
import { heuristicRouter, type Heuristic, type HeuristicRouter } from './heuristics.ts';
import { RoutingLearner, type QTable } from './learner.ts';
import { formatQTables, QTABLES_FORMAT, QTABLES_VERSION, QTablesFile } from './qtables.ts';
import { Episodes } from './episodes.ts';
import { coherence, psi } from './swarm-state.ts';
import type { MeshRouterConfig } from './router.ts';

interface Pending {
  readonly agent: number;
  readonly keys: readonly string[];
  readonly action: number;
  /** The view counted it in flight (the pool will serve it). */
  readonly counted: boolean;
}

/** One mesh-router instance in a run: its agents, its view of the pool, its counters and its outputs. */
export class SwarmRouter {
  private readonly config: MeshRouterConfig;
  private readonly ctx: ModuleContext;
  private readonly n: number;
  private readonly learning: boolean;
  private readonly graph: Graph | undefined;
  private readonly episodeLength: number;
  private readonly warm: QTablesFile | undefined;
  private view: PoolView | undefined;
  private learners: RoutingLearner[] = [];
  private heuristic: HeuristicRouter | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly intervalSum: number[];
  private readonly intervalCount: number[];
  private readonly exploreUntil: number[];
  private readonly exploreEps: number[];
  private readonly ledger: DecisionLedger | undefined;
  private readonly episodes: Episodes;
  private requests = 0;
  private unrouted = 0;
  private divergence = 0;
  private qStates = 0;
  private psi = 1;
  private coherence = 1;
  private gossipMessages = 0;
  private resets = 0;
  private explores = 0;
  private reports = 0;

  constructor(config: MeshRouterConfig, ctx: ModuleContext) {
    this.config = config;
    this.ctx = ctx;
    this.n = config.agents;
    this.learning = config.strategy === 'q-learning';
    this.graph = config.network !== undefined && this.learning ? ctx.network(config.network) : undefined;
    this.episodes = new Episodes(config.episodes);
    this.episodeLength = config.episodes > 1 ? (ctx.horizon.time as number) / config.episodes : Number.POSITIVE_INFINITY;
    this.intervalSum = new Array<number>(this.n).fill(0);
    this.intervalCount = new Array<number>(this.n).fill(0);
    this.exploreUntil = new Array<number>(this.n).fill(-1);
    this.exploreEps = new Array<number>(this.n).fill(0);
    this.ledger = config.decisionLog ? new DecisionLedger(config.decisionLog, config.interval) : undefined;
    // Parsed and checked when the run fetched it (the module's inputs()); read here so a run without it fails at once.
    this.warm = config.warmStart === undefined ? undefined : QTablesFile.parse(JSON.parse(ctx.input('warmStart')));
  }

  private rewardOf(p: JsonObject): number {
    if (p.served !== true) return this.config.reward.failure;
    const r = this.config.reward;
    return 1 - (r.latencyWeight * (p.latency as number)) / r.latencyRef - (r.costWeight * (p.cost as number)) / r.costRef;
  }

  private stillRunning(sim: Sim, delay: number): boolean {
    return this.ctx.horizon.time === undefined || sim.now + delay <= this.ctx.horizon.time;
  }

  private agentOf(addr: string): number | undefined {
    const slash = addr.indexOf('/');
    if (slash < 0) return undefined;
    const a = Number(addr.slice(slash + 1));
    return Number.isInteger(a) && a >= 0 && a < this.n ? a : undefined;
  }

  private meanEpsilon(): number {
    if (this.learners.length === 0) return 0;
    let eps = 0;
    for (const l of this.learners) eps += l.epsilon;
    return eps / this.learners.length;
  }

  /** Refreshes the measures of the swarm's state: Q-table size, divergence and coherence. */
  private observeSwarm(): void {
    if (!this.learning || !this.view) return;
    const tables = this.learners.map((l) => l.snapshot());
    this.qStates = tables.reduce((a, t) => a + Object.keys(t).length, 0) / tables.length;
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < tables.length; i++) {
      for (let j = i + 1; j < tables.length; j++) {
        sum += tableDistance(tables[i]!, tables[j]!, this.view.size);
        pairs++;
      }
    }
    this.divergence = pairs === 0 ? 0 : sum / pairs;
    const keys = this.view.keys();
    this.coherence = coherence(this.learners.map((l) => l.greedy(keys)));
  }

  private catalogue(e: SimEvent): void {
    const msg = CatalogueMessage.parse(e.payload);
    const view = new PoolView(msg);
    this.view = view;
    if (!this.learning) {
      this.heuristic = heuristicRouter(this.config.strategy as Heuristic, view.size, this.ctx.rng('heuristic'));
      return;
    }
    const settings = { ...this.config.learning };
    this.learners = Array.from({ length: this.n }, (_, i) => new RoutingLearner(view.size, settings, this.ctx.rng(`agent-${i}`), settings.epsilon));
    const warm = this.warm;
    if (warm === undefined) return;
    if (warm.providers.join('\n') !== view.names.join('\n')) {
      throw moduleFailure(`${this.ctx.instance}: warmStart: the stored Q-tables are for providers ${warm.providers.join(', ')}, this pool has ${view.names.join(', ')}`);
    }
    this.learners.forEach((l, i) => {
      const stored = warm.agents[i % warm.agents.length]!;
      l.load(stored.table, stored.epsilon);
    });
  }

  private request(e: SimEvent, sim: Sim): void {
    const id = e.payload.id as number;
    const agent = (e.payload.client as number) % this.n;
    this.requests++;
    const view = this.view;
    if (!view) {
      this.unrouted++;
      return;
    }
    const keys = view.keys();
    let action: number;
    let explored = false;
    let epsilon = 0;
    if (this.learning) {
      const l = this.learners[agent]!;
      const boost = sim.now < this.exploreUntil[agent]! ? this.exploreEps[agent]! : undefined;
      const c = l.choose(keys, boost);
      action = c.action;
      explored = c.explored;
      epsilon = Math.max(l.epsilon, boost ?? 0);
    } else action = this.heuristic!.pick(view);
    const counted = view.send(action);
    this.pending.set(id, { agent, keys, action, counted });
    this.ledger?.append(sim.now, {
      agent,
      request: id,
      strategy: this.config.strategy,
      episode: this.episodes.episode,
      state: keys.join(' '),
      provider: view.names[action]!,
      explored,
      epsilon,
    });
    sim.emit({ type: 'route', target: this.config.providers, from: String(agent), payload: { id, agent, provider: action, u: e.payload.u ?? 0.5 } });
  }

  private response(e: SimEvent): void {
    const id = e.payload.id as number;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.counted) this.view!.done(p.action);
    const reward = this.rewardOf(e.payload);
    const served = e.payload.served === true;
    this.episodes.add(served, reward, served ? (e.payload.cost as number) : 0, served ? (e.payload.latency as number) : 0);
    this.intervalSum[p.agent] = this.intervalSum[p.agent]! + reward;
    this.intervalCount[p.agent] = this.intervalCount[p.agent]! + 1;
    if (this.learning) {
      const next = this.config.learning.discount > 0 ? this.view!.keys() : undefined;
      this.learners[p.agent]!.update({ keys: p.keys, action: p.action, reward, next });
    }
  }

  private closeEpisode(): void {
    this.observeSwarm();
    this.episodes.close({ epsilon: this.meanEpsilon(), qStates: this.qStates, psi: this.psi, coherence: this.coherence });
    for (const l of this.learners) l.endEpisode(this.config.learning.epsilonDecay, this.config.learning.epsilonMin);
  }

  private report(sim: Sim): void {
    this.reports++;
    const perAgent: (number | null)[] = [];
    let sum = 0;
    let count = 0;
    for (let i = 0; i < this.n; i++) {
      const c = this.intervalCount[i]!;
      perAgent.push(c > 0 ? this.intervalSum[i]! / c : null);
      sum += this.intervalSum[i]!;
      count += c;
      this.intervalSum[i] = 0;
      this.intervalCount[i] = 0;
    }
    this.psi = psi(perAgent, this.config.psiScale);
    this.observeSwarm();
    if (this.learning && this.config.coordinator !== undefined) {
      sim.emit({
        type: 'report',
        target: this.config.coordinator,
        payload: { interval: this.reports - 1, swarmReward: count > 0 ? sum / count : null, responses: count, agents: perAgent, divergence: this.divergence, psi: this.psi, coherence: this.coherence },
      });
    }
  }

  private intervene(e: SimEvent, sim: Sim): void {
    const one = this.agentOf(e.target);
    const targets = one === undefined ? Array.from({ length: this.n }, (_, i) => i) : [one];
    for (const a of targets) {
      if (e.payload.kind === 'reset') {
        this.learners[a]?.reset(this.config.learning.epsilon);
        this.resets++;
      } else if (e.payload.kind === 'explore') {
        this.exploreEps[a] = e.payload.epsilon as number;
        this.exploreUntil[a] = sim.now + (e.payload.duration as number);
        this.explores++;
      }
    }
  }

  private gossipTick(sim: Sim): void {
    const graph = this.graph!;
    for (let i = 0; i < this.n; i++) {
      const table = this.learners[i]?.snapshot() ?? {};
      for (const nb of graph.neighbors(String(i))) {
        const j = Number(nb);
        if (!(j >= 0 && j < this.n)) continue;
        this.gossipMessages++;
        sim.emit({ type: 'gossip', target: `${this.ctx.instance}/${nb}`, from: String(i), via: this.config.network!, payload: { from: i, table } });
      }
    }
  }

  private qtablesFile(): string {
    const file: QTablesFile = {
      format: QTABLES_FORMAT,
      version: QTABLES_VERSION,
      router: this.ctx.instance,
      observation: OBSERVATION_ENCODING,
      providers: [...(this.view?.names ?? [])],
      agents: this.learners.map((l, agent) => ({ agent, epsilon: l.epsilon, updates: l.updates, table: l.snapshot() })),
    };
    return formatQTables(file);
  }

  runtime(): ModuleRuntime {
    const cfg = this.config;
    const gossiping = this.learning && this.graph !== undefined && cfg.gossipInterval > 0;
    return {
      start: (sim) => {
        if (gossiping) sim.emit({ type: 'gossip.tick', target: this.ctx.instance, delay: cfg.gossipInterval });
        sim.emit({ type: 'report.tick', target: this.ctx.instance, delay: cfg.interval });
        if (cfg.episodes > 1) sim.emit({ type: 'episode.end', target: this.ctx.instance, delay: this.episodeLength });
      },
      handle: {
        catalogue: (e) => this.catalogue(e),
        status: (e) => this.view?.update(e.payload.providers as unknown as ProviderStatus[]),
        request: (e, sim) => this.request(e, sim),
        response: (e) => this.response(e),
        'episode.end': (_e, sim) => {
          this.closeEpisode();
          // The last episode ends with the run (summary()).
          if (this.episodes.episode < cfg.episodes - 1) sim.emit({ type: 'episode.end', target: this.ctx.instance, delay: this.episodeLength });
        },
        'gossip.tick': (_e, sim) => {
          this.gossipTick(sim);
          if (this.stillRunning(sim, cfg.gossipInterval)) sim.emit({ type: 'gossip.tick', target: this.ctx.instance, delay: cfg.gossipInterval });
        },
        gossip: (e) => {
          const j = this.agentOf(e.target);
          if (j !== undefined) this.learners[j]?.merge(e.payload.table as unknown as QTable, cfg.gossipMix);
        },
        'report.tick': (_e, sim) => {
          this.report(sim);
          if (this.stillRunning(sim, cfg.interval)) sim.emit({ type: 'report.tick', target: this.ctx.instance, delay: cfg.interval });
        },
        intervene: (e, sim) => this.intervene(e, sim),
      },
      metrics: () => {
        const t = this.episodes.total;
        const tail = this.episodes.tail;
        return {
          requests: this.requests,
          served: t.served,
          rejected: t.responses - t.served + this.unrouted,
          fillRate: t.fillRate,
          avgCost: t.avgCost,
          avgLatency: t.avgLatency,
          score: t.score,
          tailScore: tail.score,
          tailFillRate: tail.fillRate,
          tailCost: tail.avgCost,
          tailLatency: tail.avgLatency,
          episode: this.episodes.episode,
          episodeReward: this.episodes.lastReward,
          epsilon: this.meanEpsilon(),
          qStates: this.qStates,
          divergence: this.divergence,
          psi: this.psi,
          coherence: this.coherence,
        };
      },
      summary: () => {
        if (this.episodes.closed.length < cfg.episodes) this.closeEpisode();
        const t = this.episodes.total;
        const out: JsonObject = {
          strategy: cfg.strategy,
          agents: this.n,
          requests: this.requests,
          served: t.served,
          rejected: t.responses - t.served + this.unrouted,
          fillRate: t.fillRate,
          avgCost: t.avgCost,
          avgLatency: t.avgLatency,
          score: t.score,
          tail: { fromEpisode: this.episodes.tailStart, ...this.episodes.tail.measures() },
          divergence: this.divergence,
          gossipMessages: this.gossipMessages,
          interventionsApplied: { reset: this.resets, explore: this.explores },
          episodes: this.episodes.closed,
        };
        if (this.learning) {
          out.agentStats = this.learners.map((l, i) => ({ agent: i, updates: l.updates, states: l.stateCount, epsilon: l.epsilon }));
          if (this.warm !== undefined) out.warmStart = { ...cfg.warmStart! };
          if (cfg.qtables) out.qtables = cfg.qtables;
        }
        if (this.ledger) out.decisionLog = this.ledger.seal() as unknown as JsonObject;
        return out;
      },
      analyze: () => {
        const files: Record<string, string> = {};
        if (this.ledger) files[this.ledger.file] = this.ledger.content();
        if (this.learning && cfg.qtables) files[cfg.qtables] = this.qtablesFile();
        return files;
      },
    };
  }
}
