import { type ConfigIssue, defineModule, expectNetwork, isNetwork, type JsonObject, type ScenarioView, type Sim, synchronousRound, z } from 'swarmlab/sdk';
import { decide, drawProposal, generateVoter, tally, whaleSignal, ARCHETYPES, type Proposal, type VoterAttributes, type Vote } from './decision.ts';
import { governancePanels } from './panels.ts';

const count = z.object({ yes: z.number(), no: z.number(), abstain: z.number() }).strict();

const FlipKind = z.enum(['cascade', 'oscillation']).describe('oscillation: back to a vote the agent held earlier in the run; cascade: to a vote new to it.');
type FlipKind = z.infer<typeof FlipKind>;

/** A flip to a vote the agent already held (history: its votes after each round so far, the initial vote first) is an oscillation. */
export function flipKind(history: readonly Vote[], to: Vote): FlipKind {
  return history.includes(to) ? 'oscillation' : 'cascade';
}

/** governance_record.json: the content of a v0.4 run record, minus wall-clock facts (they live in provenance). */
export const GovernanceRecord = z
  .object({
    schema_version: z.literal('0.4').describe('Content version of the original simulator\'s run records.'),
    mode: z.enum(['archetype', 'threshold']),
    num_agents: z.number().int().min(1),
    num_whales: z.number().int().min(0),
    conformity_threshold: z.number(),
    whale_ratio: z.number(),
    whale_signal: z.number().int().min(-1).max(1).describe('Whale head-count majority of the initial votes.'),
    influence_model: z.string().describe('`network:<instance>` or `global` (everyone sees everyone).'),
    influence: z
      .object({
        scope: z.enum(['network', 'global']),
        network: z.string().nullable(),
        signal: z.enum(['neighbors', 'whales']),
        edge_weights: z.enum(['random', 'graph']),
        nodes: z.number().int().min(0),
        edges: z.number().int().min(0),
        mean_degree: z.number(),
        density: z.number(),
      })
      .strict(),
    proposal: z.object({ risk_change: z.number(), yield_change: z.number(), complexity: z.number() }).strict(),
    initial_votes: count,
    final_votes: count,
    weighted_initial: count,
    weighted_final: count,
    flips: z.number().int().min(0).describe('Vote changes summed over all rounds.'),
    flips_per_round: z.array(z.number().int().min(0)),
    cascade_flips: z.number().int().min(0).describe('Flips to a vote the agent had not held before in this run: the cascade spreading.'),
    oscillating_flips: z.number().int().min(0).describe('Flips back to a vote the agent held earlier in this run (its initial vote included): re-decisions on fresh noise, not spread. cascade_flips + oscillating_flips = flips.'),
    cascade_rounds: z.number().int().min(0),
    agents_flipped_total: z.number().int().min(0).describe('As in v0.4: equal to flips.'),
    agents_flipped_distinct: z.number().int().min(0).describe('Agents whose vote changed at least once.'),
    agents: z.array(
      z
        .object({
          id: z.string(),
          agent_type: z.enum([...ARCHETYPES, 'threshold']),
          is_whale: z.boolean(),
          risk_tolerance: z.number().nullable(),
          greed: z.number().nullable(),
          conformity: z.number().nullable(),
          voting_power: z.number(),
          threshold: z.number().nullable(),
          initial_vote: z.number().int().min(-1).max(1),
          final_vote: z.number().int().min(-1).max(1),
          votes_by_round: z.array(z.number().int().min(-1).max(1)),
        })
        .strict(),
    ),
    flip_log: z
      .array(
        z
          .object({
            round: z.number().int().min(1),
            agent: z.string(),
            from: z.number().int(),
            to: z.number().int(),
            signal: z.number().int(),
            personal: z.number().int(),
            kind: FlipKind,
          })
          .strict(),
      )
      .describe('Every vote change: the signal it answered, what the agent would have voted without it, and whether it spread the cascade or went back to an earlier vote.'),
  })
  .strict();
export type GovernanceRecord = z.infer<typeof GovernanceRecord>;

const config = z
  .object({
    mode: z.enum(['archetype', 'threshold']).default('archetype').describe('archetype: v0.4 decision rules; threshold: pure Granovetter threshold adoption.'),
    agents: z.number().int().min(1).max(100_000).default(50).describe('Number of agents; must equal the influence network\'s node count.'),
    network: z.string().min(1).optional().describe('Influence network instance (nodes "0".."n-1"). Unset: global scope, everyone sees everyone (a complete graph).'),
    conformityThreshold: z.number().min(0).max(1).default(0.6).describe('An agent follows the signal only when its conformity and the signal\'s strength reach this.'),
    whaleRatio: z.number().min(0).max(1).default(0.15).describe('Chance that an agent is a whale.'),
    signal: z.enum(['neighbors', 'whales']).default('neighbors').describe('neighbors: weighted majority of network neighbours (v0.4); whales: the whales\' head-count majority.'),
    edgeWeights: z.enum(['random', 'graph']).default('random').describe('random: influence weight per link drawn in [0.1, 1] as in v0.4; graph: the network\'s edge weights.'),
    maxRounds: z.number().int().min(1).max(100_000).default(5).describe('Round limit of the cascade.'),
    proposal: z
      .object({
        risk_change: z.number().min(-1).max(1).describe('Change in risk the proposal brings, -1 to 1.'),
        yield_change: z.number().min(-1).max(1).describe('Change in yield the proposal brings, -1 to 1.'),
        complexity: z.number().min(0).max(1).describe('How complex the proposal is, 0 to 1.'),
      })
      .strict()
      .optional()
      .describe('Fixed proposal; unset: drawn per run as in v0.4.'),
    archetypeWeights: z.record(z.enum(['optimizer', 'reputation_seeker', 'contrarian', 'institution', 'retail']), z.number().min(0)).optional().describe('Mix of non-whale archetypes (default 0.30/0.20/0.15/0.15/0.20).'),
    thresholds: z.array(z.number().min(0)).optional().describe('threshold mode: each agent\'s adoption threshold, in order; unset: drawn uniformly in [thresholdMin, thresholdMax].'),
    thresholdMin: z.number().min(0).default(0).describe('threshold mode: lower bound of drawn thresholds.'),
    thresholdMax: z.number().min(0).default(1).describe('threshold mode: upper bound of drawn thresholds.'),
    thresholdUnit: z.enum(['count', 'fraction']).default('fraction').describe('threshold mode: thresholds count adopting neighbours, or their fraction of all neighbours.'),
    seedSet: z.array(z.number().int().min(0)).default([]).describe('threshold mode: agents that have adopted before round 1.'),
  })
  .strict();

/** Checks against the influence network and between fields; create() relies on them. */
function validateCascade(cfg: z.output<typeof config>, scenario: ScenarioView): ConfigIssue[] {
  const n = cfg.agents;
  const issues: ConfigIssue[] = [];
  if (cfg.network !== undefined) {
    const net = expectNetwork(scenario, cfg.network, ['network']);
    if (!isNetwork(net)) issues.push(...net);
    else if (net.size !== undefined && net.size !== n) {
      issues.push({ path: ['agents'], message: `agents is ${n} but network ${cfg.network} has ${net.size} nodes`, hint: 'give the network as many nodes as there are agents' });
    } else if (net.nodeIds !== undefined) {
      const stray = net.nodeIds.find((id, i) => id !== String(i));
      if (stray !== undefined) issues.push({ path: ['network'], message: `network ${cfg.network} has node ${stray}; agents are nodes "0".."${n - 1}"`, hint: 'name the network\'s nodes 0..n-1' });
    }
  }
  if (cfg.thresholds && cfg.thresholds.length !== n) issues.push({ path: ['thresholds'], message: `${cfg.thresholds.length} thresholds for ${n} agents`, hint: 'give one threshold per agent' });
  cfg.seedSet.forEach((s, i) => {
    if (s >= n) issues.push({ path: ['seedSet', i], message: `seed agent ${s} does not exist (agents 0..${n - 1})` });
  });
  if (cfg.thresholdMin > cfg.thresholdMax) issues.push({ path: ['thresholdMin'], message: `thresholdMin ${cfg.thresholdMin} is above thresholdMax ${cfg.thresholdMax}` });
  return issues;
}

interface VoterState {
  readonly id: string;
  readonly attrs: VoterAttributes;
  readonly threshold: number | null;
  readonly history: Vote[];
}

/**
 * Governance vote cascade. Every agent votes once on its own, then rounds of
 * influence run on one frozen snapshot each (synchronous rounds): an agent
 * whose conformity reaches the threshold, facing a signal at least that
 * strong, re-decides with the signal. Ends when no vote flips or at the
 * round limit.
 */
export const governanceCascade = defineModule({
  kind: 'agent',
  name: 'governance-cascade',
  panels: governancePanels,
  // Its panels draw from summary.json alone: the record is up to a megabyte a run.
  panelOutputs: [],
  version: '1.2.0',
  description: 'Token-weighted governance vote with archetype agents, whale signal and multi-round influence cascades; or pure threshold (Granovetter) adoption.',
  config,
  dependsOn: (c) => (c.network ? [c.network] : []),
  outputs: { 'governance_record.json': GovernanceRecord },
  validate: validateCascade,
  create(cfg, ctx) {
    const self = ctx.instance;
    const n = cfg.agents;
    const graph = cfg.network ? ctx.network(cfg.network) : undefined;
    const threshold = cfg.mode === 'threshold';
    const ids = Array.from({ length: n }, (_, i) => String(i));

    // Incoming influence: who i listens to, with what weight.
    const index = new Map(ids.map((id, i) => [id, i]));
    const influence: { from: number; weight: number }[][] = [];
    const weightRng = ctx.rng('influence-weights');
    let edgeCount = 0;
    for (let i = 0; i < n; i++) {
      const list: { from: number; weight: number }[] = [];
      if (graph) {
        for (const p of graph.predecessors(ids[i] as string)) {
          const w = cfg.edgeWeights === 'random' ? weightRng.uniform(0.1, 1) : (graph.edge(p, ids[i] as string)?.weight ?? 1);
          list.push({ from: index.get(p) as number, weight: w });
        }
      }
      edgeCount += list.length;
      influence.push(list);
    }

    const agentRng = ctx.rng('agents');
    const proposal: Proposal = cfg.proposal ?? drawProposal(ctx.rng('proposal'));
    const voters: VoterState[] = ids.map((id) => {
      if (threshold) {
        const t = cfg.thresholds ? (cfg.thresholds[Number(id)] as number) : agentRng.uniform(cfg.thresholdMin, cfg.thresholdMax);
        const attrs: VoterAttributes = { agent_type: 'optimizer', is_whale: false, risk_tolerance: 0, greed: 0, conformity: 0, voting_power: 1 };
        return { id, attrs, threshold: t, history: [] };
      }
      return { id, attrs: generateVoter(agentRng, cfg.whaleRatio, cfg.archetypeWeights), threshold: null, history: [] };
    });
    const power = voters.map((v) => v.attrs.voting_power);
    // Noise per (agent, round): a change elsewhere never shifts an agent's draws.
    const noise = (agent: number, round: number) => ctx.rng(`noise/${agent}/${round}`);

    let votes: Vote[] = [];
    let round = 0;
    const flipsPerRound: number[] = [];
    const flipLog: GovernanceRecord['flip_log'] = [];
    let initialVotes: Vote[] = [];

    const score = (i: number, current: readonly Vote[]): number => {
      if (!graph) {
        let sum = 0;
        for (let j = 0; j < n; j++) if (j !== i) sum += current[j] as number;
        return n > 1 ? sum / (n - 1) : 0;
      }
      let sum = 0;
      let total = 0;
      for (const { from, weight } of influence[i] as { from: number; weight: number }[]) {
        sum += weight * (current[from] as number);
        total += weight;
      }
      return total === 0 ? 0 : sum / total;
    };
    const adopters = (i: number, current: readonly Vote[]): { count: number; of: number } => {
      if (!graph) {
        let c = 0;
        for (let j = 0; j < n; j++) if (j !== i && current[j] === 1) c++;
        return { count: c, of: n - 1 };
      }
      const list = influence[i] as { from: number }[];
      let c = 0;
      for (const e of list) if (current[e.from] === 1) c++;
      return { count: c, of: list.length };
    };

    interface Choice {
      readonly vote: Vote;
      readonly signal: Vote;
      readonly personal: Vote;
    }
    const decideRound = (v: VoterState, snap: { votes: readonly Vote[] }, i: number): Choice => {
      const current = snap.votes[i] as Vote;
      if (threshold) {
        if (current === 1) return { vote: 1, signal: 0, personal: 1 };
        const { count: c, of } = adopters(i, snap.votes);
        const level = cfg.thresholdUnit === 'count' ? c : of === 0 ? 0 : c / of;
        const adopt = level >= (v.threshold as number);
        return { vote: adopt ? 1 : -1, signal: adopt ? 1 : 0, personal: -1 };
      }
      let signal: Vote = 0;
      if (cfg.signal === 'whales') signal = whaleSignal(voters.map((x) => x.attrs), snap.votes);
      else {
        const s = score(i, snap.votes);
        if (Math.abs(s) >= cfg.conformityThreshold && s !== 0) signal = s > 0 ? 1 : -1;
      }
      if (v.attrs.conformity < cfg.conformityThreshold || signal === 0) return { vote: current, signal: 0, personal: current };
      const d = decide(v.attrs, proposal, signal, noise(i, round));
      return { vote: d.vote, signal, personal: d.personal };
    };

    const runRound = (sim: Sim): void => {
      round++;
      let flips = 0;
      synchronousRound({ votes: votes.slice() }, voters, decideRound, (choices) => {
        const next = votes.slice();
        choices.forEach((c, i) => {
          if (c.vote === votes[i]) return;
          flips++;
          flipLog.push({ round, agent: ids[i] as string, from: votes[i] as Vote, to: c.vote, signal: c.signal, personal: c.personal, kind: flipKind((voters[i] as VoterState).history, c.vote) });
          next[i] = c.vote;
        });
        votes = next;
      });
      flipsPerRound.push(flips);
      voters.forEach((v, i) => v.history.push(votes[i] as Vote));
      if (flips > 0 && round < cfg.maxRounds) sim.emit({ type: 'cascade.round', target: self, delay: 1, channel: 'internal' });
    };

    const oscillating = (): number => flipLog.filter((f) => f.kind === 'oscillation').length;

    const record = (): GovernanceRecord => {
      const flipped = new Set(flipLog.map((f) => f.agent));
      const pairs = graph ? (graph.directed ? n * (n - 1) : (n * (n - 1)) / 2) : (n * (n - 1)) / 2;
      const graphEdges = graph ? graph.edges.length : pairs;
      return {
        schema_version: '0.4',
        mode: cfg.mode,
        num_agents: n,
        num_whales: voters.filter((v) => v.attrs.is_whale).length,
        conformity_threshold: cfg.conformityThreshold,
        whale_ratio: cfg.whaleRatio,
        whale_signal: whaleSignal(voters.map((v) => v.attrs), initialVotes),
        influence_model: graph ? `network:${cfg.network}` : 'global',
        influence: {
          scope: graph ? 'network' : 'global',
          network: cfg.network ?? null,
          signal: cfg.signal,
          edge_weights: cfg.edgeWeights,
          nodes: n,
          edges: graphEdges,
          mean_degree: graph ? edgeCount / n : n - 1,
          density: pairs > 0 ? graphEdges / pairs : 0,
        },
        proposal: { ...proposal },
        initial_votes: tally(initialVotes),
        final_votes: tally(votes),
        weighted_initial: tally(initialVotes, power),
        weighted_final: tally(votes, power),
        flips: flipLog.length,
        flips_per_round: flipsPerRound.slice(),
        cascade_flips: flipLog.length - oscillating(),
        oscillating_flips: oscillating(),
        cascade_rounds: round,
        agents_flipped_total: flipLog.length,
        agents_flipped_distinct: flipped.size,
        agents: voters.map((v) => ({
          id: v.id,
          agent_type: threshold ? ('threshold' as const) : v.attrs.agent_type,
          is_whale: v.attrs.is_whale,
          risk_tolerance: threshold ? null : v.attrs.risk_tolerance,
          greed: threshold ? null : v.attrs.greed,
          conformity: threshold ? null : v.attrs.conformity,
          voting_power: v.attrs.voting_power,
          threshold: v.threshold,
          initial_vote: v.history[0] as Vote,
          final_vote: votes[Number(v.id)] as Vote,
          votes_by_round: v.history.slice(),
        })),
        flip_log: flipLog.slice(),
      };
    };

    return {
      start(sim) {
        sim.emit({ type: 'vote.initial', target: self, channel: 'internal' });
      },
      handle: {
        'vote.initial'(_e, sim) {
          initialVotes = voters.map((v, i) => {
            if (threshold) return cfg.seedSet.includes(i) ? 1 : -1;
            return decide(v.attrs, proposal, 0, noise(i, 0)).vote;
          });
          votes = initialVotes.slice();
          voters.forEach((v, i) => v.history.push(votes[i] as Vote));
          sim.emit({ type: 'cascade.round', target: self, delay: 1, channel: 'internal' });
        },
        'cascade.round'(_e, sim) {
          runRound(sim);
        },
      },
      metrics() {
        const t = tally(votes);
        const w = tally(votes, power);
        const total = w.yes + w.no + w.abstain;
        return {
          round,
          yes: t.yes,
          no: t.no,
          abstain: t.abstain,
          weightedYesShare: total > 0 ? w.yes / total : 0,
          flipsLastRound: flipsPerRound.at(-1) ?? 0,
          flipsTotal: flipLog.length,
          oscillatingFlips: oscillating(),
        };
      },
      summary() {
        const r = record();
        const out: JsonObject = {
          mode: r.mode,
          proposal: { ...r.proposal },
          whale_signal: r.whale_signal,
          initial_votes: { ...r.initial_votes },
          final_votes: { ...r.final_votes },
          weighted_initial: { ...r.weighted_initial },
          weighted_final: { ...r.weighted_final },
          flips: r.flips,
          flips_per_round: r.flips_per_round,
          cascade_flips: r.cascade_flips,
          oscillating_flips: r.oscillating_flips,
          cascade_rounds: r.cascade_rounds,
          agents_flipped_distinct: r.agents_flipped_distinct,
          passed: r.weighted_final.yes > r.weighted_final.no,
        };
        return out;
      },
      analyze() {
        // One line, not indented: indented, a record of 1,000 agents was twice the bytes to write, hash, read and check.
        return { 'governance_record.json': `${JSON.stringify(record())}\n` };
      },
    };
  },
});

