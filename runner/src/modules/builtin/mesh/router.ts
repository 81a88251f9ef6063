import { type ConfigIssue, defineModule, expectInstance, expectNetwork, isNetwork, type RunInput, z } from 'swarmlab/sdk';
import { qLearningSchema } from '../../../lib/qlearning/qlearning.ts';
import { verifyLedger, type LedgerSeal } from './ledger.ts';
import { meshPanels } from './panels.ts';
import { HEURISTICS } from './heuristics.ts';
import { DEFAULT_QTABLES_FILE, QTablesFile, qtablesProblem } from './qtables.ts';
import { SwarmRouter } from './swarm-router.ts';

export const STRATEGIES = ['q-learning', ...HEURISTICS] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case sha256 hex digest (64 characters)');

const WarmStart = z
  .object({
    results: z.string().min(1).max(1024).describe('URI of the result set holding the earlier run, as swarmlab run printed it after results: (file://DIR or s3://BUCKET/PREFIX).'),
    run: z.string().regex(/^run-\d+$/, 'must be a run id like run-000003').describe('The earlier run\'s id.'),
    file: z.string().min(1).max(128).default(DEFAULT_QTABLES_FILE).describe('Its Q-tables file.'),
    sha256: sha256Hex.describe('sha256 of that file, as the run\'s run.json records it: any other bytes are refused.'),
  })
  .strict();

export const meshRouterConfig = z
  .object({
    strategy: z
      .enum(STRATEGIES)
      .default('q-learning')
      .describe('q-learning: a swarm of learning agents; the others are heuristic routers: weighted-round-robin (by capacity), cheapest-free and least-latency-free (the cheapest / lowest expected latency provider with free capacity), random.'),
    agents: z.number().int().min(1).max(1000).default(10).describe('Routing agents (ids "0".."n-1", the nodes of the gossip network); each client\'s requests go to agent client mod n.'),
    providers: z.string().min(1).default('providers').describe('Provider pool instance requests are routed to.'),
    network: z.string().min(1).optional().describe('Network instance whose edges carry gossip between agents (q-learning).'),
    gossipInterval: z.number().min(0).default(10).describe('Logical time between Q-table gossip rounds (0 = no gossip; q-learning only).'),
    gossipMix: z.number().min(0).max(1).default(0.5).describe('Weight of a neighbour\'s Q-values when merging gossip.'),
    coordinator: z.string().min(1).optional().describe('Swarm coordinator instance that receives a performance report every interval (q-learning).'),
    interval: z.number().positive().default(10).describe('Reporting interval; also the width of one Merkle root of the decision log.'),
    episodes: z.number().int().min(1).max(1000).default(1).describe('Training episodes: the time horizon is cut into this many equal episodes; epsilon decays once per episode, and each episode\'s metrics go to summary.json.'),
    learning: qLearningSchema({ learningRate: 0.1, discount: 0, epsilon: 0.3, epsilonDecay: 0.8, epsilonMin: 0.01, replayCapacity: 200, replayBatch: 4 })
      .extend({
        epsilonDecay: z.number().min(0).max(1).default(0.8).describe('Epsilon is multiplied by this at the end of every episode.'),
        initialValue: z.number().default(0.5).describe('Q-value of a provider never tried in an observation: below a typical served reward, above a rejection.'),
      })
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
      .describe('Multi-objective reward: 1 - latency and cost penalties when served, `failure` when rejected. Its mean per request is the score every strategy is compared on.'),
    psiScale: z.number().positive().default(0.1).describe('Spread of the agents\' interval rewards at which the swarm measure psi is 1/e.'),
    decisionLog: z.string().max(128).default('decisions.jsonl').describe('Tamper-evident decision log file ("" = none).'),
    qtables: z.string().max(128).default(DEFAULT_QTABLES_FILE).describe('File the final Q-tables are written to (q-learning; "" = none).'),
    warmStart: WarmStart.optional().describe('Start every agent from the Q-tables of an earlier run in a store (agent i takes table i mod the number stored), instead of from scratch.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.warmStart !== undefined && c.strategy !== 'q-learning') ctx.addIssue({ code: 'custom', path: ['warmStart'], message: `a ${c.strategy} router has no Q-tables to start from` });
  });
export type MeshRouterConfig = z.output<typeof meshRouterConfig>;

/**
 * A swarm of routing agents. Learning agents (q-learning) observe every
 * provider's discretised latency, price and free capacity, pick
 * epsilon-greedily, learn from the response's multi-objective reward with
 * experience replay, gossip their tables to network neighbours, and obey the
 * coordinator's interventions. A heuristic router applies one fixed rule to
 * the same observations. Every decision goes to the hash-chained log.
 */
export const meshRouter = defineModule({
  kind: 'agent',
  name: 'mesh-router',
  panels: meshPanels,
  version: '2.0.0',
  description: 'Routing agents choosing AI providers by Q-learning over provider observations (or a heuristic: weighted round robin, cheapest or least-latency with free capacity, random), in episodes, with gossip, Q-table outputs and warm starts, and a tamper-evident decision log.',
  config: meshRouterConfig,
  publishes: {
    metrics: {
      requests: 'Requests received so far.',
      served: 'Requests served.',
      rejected: 'Requests rejected.',
      fillRate: 'Served share of answered requests.',
      avgCost: 'Mean cost of a served request.',
      avgLatency: 'Mean latency of a served request.',
      score: 'Mean reward per answered request: the multi-objective score.',
      tailScore: 'The score over the last quarter of the episodes (0 before it starts).',
      tailFillRate: 'Fill rate over the last quarter of the episodes.',
      tailCost: 'Mean cost over the last quarter of the episodes.',
      tailLatency: 'Mean latency over the last quarter of the episodes.',
      episode: 'Current episode (from 0).',
      episodeReward: 'Average reward of the last finished episode.',
      epsilon: 'Mean exploration rate of the agents.',
      qStates: 'Mean Q-table rows per agent (at most 24).',
      divergence: 'Mean pairwise distance between the agents\' Q-tables.',
      psi: 'Psi: evenness of the agents\' rewards over the last interval, exp(-sd / psiScale).',
      coherence: 'C: probability that two agents pick the same provider greedily in the current state.',
    },
    files: {
      'decisions.jsonl': 'The hash-chained decision log (the decisionLog setting names it).',
      [DEFAULT_QTABLES_FILE]: 'The learning agents\' final Q-tables (the qtables setting names it).',
    },
  },
  outputs: { [DEFAULT_QTABLES_FILE]: QTablesFile },
  dependsOn: (c) => (c.network !== undefined ? [c.network] : []),
  inputs: (c): RunInput[] =>
    c.warmStart === undefined ? [] : [{ name: 'warmStart', path: ['warmStart'], results: c.warmStart.results, run: c.warmStart.run, file: c.warmStart.file, sha256: c.warmStart.sha256, check: qtablesProblem }],
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
    if (config.episodes > 1 && scenario.horizon.time === undefined) {
      issues.push({ path: ['episodes'], message: `${config.episodes} episodes need a time horizon to cut into episodes`, hint: 'set spec.scenario.horizon.time, or episodes: 1' });
    }
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
  create: (config, ctx) => new SwarmRouter(config, ctx).runtime(),
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
    for (const m of summary.data.modules) {
      if (m.module !== 'mesh-router') continue;
      const name = summary.data.results[m.name]?.qtables;
      if (typeof name !== 'string') continue;
      const text = files.get(name);
      if (text === undefined) {
        problems.push(`${m.name}: Q-tables file ${name} is missing`);
        continue;
      }
      // The default name is checked against its schema with the other module outputs.
      const problem = name === DEFAULT_QTABLES_FILE ? undefined : qtablesProblem(text);
      if (problem !== undefined) problems.push(`${m.name}: ${name}: ${problem}`);
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
