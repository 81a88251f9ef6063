import { createHash } from 'node:crypto';
import { z } from 'swarmlab/sdk';
import { ARCHETYPES } from '../decision.ts';
import type { GovernanceRecord } from '../cascade.ts';

// The run record of the Governance Cascade Simulator v0.4, as its consumers
// read it: one JSON object a line, exactly these keys (its validator refuses
// any other), in the order v0.4 writes them.

const counts = z.object({ yes: z.number().int().min(0), no: z.number().int().min(0), abstain: z.number().int().min(0) }).strict();
const weights = z.object({ yes: z.number().min(0), no: z.number().min(0), abstain: z.number().min(0) }).strict();
const vote = z.number().int().min(-1).max(1);

export const V04_INFLUENCE_MODELS = ['erdos_renyi', 'small_world', 'none'] as const;
export type V04InfluenceModel = (typeof V04_INFLUENCE_MODELS)[number];

export const V04Agent = z
  .object({
    agent_type: z.enum(ARCHETYPES),
    is_whale: z.boolean(),
    risk_tolerance: z.number(),
    greed: z.number(),
    conformity: z.number(),
    voting_power: z.number(),
    initial_vote: vote,
    final_vote: vote,
  })
  .strict();
export type V04Agent = z.infer<typeof V04Agent>;

export const GovernanceV04Record = z
  .object({
    schema_version: z.literal('0.4'),
    run_id: z.uuidv4().describe('A version-4 UUID, lower case.'),
    timestamp: z.iso.datetime({ offset: true }).describe('When the run was made (ISO 8601).'),
    seed: z.number().int().describe('The run\'s seed.'),
    num_agents: z.number().int().min(0).describe('--agents'),
    num_whales: z.number().int().min(0),
    conformity_threshold: z.number().describe('--conformity-threshold'),
    whale_ratio: z.number().describe('--whale-ratio'),
    whale_signal: vote.describe('Whale head-count majority of the initial votes.'),
    influence_model: z.enum(V04_INFLUENCE_MODELS).describe('--influence-model; none: a record migrated from before influence networks.'),
    proposal: z.object({ risk_change: z.number(), yield_change: z.number(), complexity: z.number() }).strict(),
    initial_votes: counts,
    final_votes: counts,
    weighted_initial: weights,
    weighted_final: weights,
    flips: z.number().int().min(0).describe('Vote changes summed over the cascade rounds.'),
    cascade_rounds: z.number().int().min(1),
    agents_flipped_total: z.number().int().min(0).describe('Equal to flips in v0.4.'),
    agents: z.array(V04Agent),
  })
  .strict()
  .describe('One line of a Governance Cascade Simulator v0.4 results file (JSONL), as `swarmlab export --format governance-v0.4` writes it.');
export type GovernanceV04Record = z.infer<typeof GovernanceV04Record>;

/**
 * A version-4 UUID derived from what identifies a run: the same run always
 * gets the same id, and runs of other experiments other ids, so files
 * appended from several experiments never repeat one.
 */
export function v04RunId(experiment: string, specDigest: string, runId: string): string {
  return uuid4From(['swarmlab/governance-v0.4', experiment, specDigest, runId]);
}

/** A version-4 UUID (lower case) from the sha256 of `parts`. */
export function uuid4From(parts: readonly string[]): string {
  const b = createHash('sha256').update(parts.join('\u0000')).digest();
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** v0.4's influence model for a network module; undefined when v0.4 has none like it. */
export function v04InfluenceModel(networkModule: string | undefined): V04InfluenceModel | undefined {
  if (networkModule === 'erdos-renyi') return 'erdos_renyi';
  if (networkModule === 'watts-strogatz') return 'small_world';
  return undefined;
}

/** What a v0.4 record needs beyond the run's governance_record.json. */
export interface V04RunFacts {
  readonly experiment: string;
  readonly specDigest: string;
  readonly runId: string;
  readonly seed: number;
  /** ISO time the run started (its provenance). */
  readonly startedAt: string;
  /** The module of the influence network instance; undefined for global influence. */
  readonly networkModule: string | undefined;
}

export type V04Result = { readonly ok: true; readonly record: GovernanceV04Record } | { readonly ok: false; readonly reason: string };

/** The v0.4 line of one run, or why the run has none (v0.4 knows neither threshold mode nor other influence networks). */
export function toV04Record(r: GovernanceRecord, facts: V04RunFacts): V04Result {
  if (r.mode !== 'archetype') return { ok: false, reason: `mode ${r.mode}: v0.4 records archetype votes only` };
  const influence = v04InfluenceModel(facts.networkModule);
  if (influence === undefined) {
    const what = facts.networkModule === undefined ? 'global influence (no network)' : `influence network module ${facts.networkModule}`;
    return { ok: false, reason: `${what}: v0.4 knows erdos_renyi (module erdos-renyi) and small_world (module watts-strogatz)` };
  }
  const record: GovernanceV04Record = {
    schema_version: '0.4',
    run_id: v04RunId(facts.experiment, facts.specDigest, facts.runId),
    timestamp: facts.startedAt,
    seed: facts.seed,
    num_agents: r.num_agents,
    num_whales: r.num_whales,
    conformity_threshold: r.conformity_threshold,
    whale_ratio: r.whale_ratio,
    whale_signal: r.whale_signal,
    influence_model: influence,
    proposal: { risk_change: r.proposal.risk_change, yield_change: r.proposal.yield_change, complexity: r.proposal.complexity },
    initial_votes: { ...r.initial_votes },
    final_votes: { ...r.final_votes },
    weighted_initial: { ...r.weighted_initial },
    weighted_final: { ...r.weighted_final },
    flips: r.flips,
    cascade_rounds: r.cascade_rounds,
    agents_flipped_total: r.agents_flipped_total,
    agents: r.agents.map((a) => ({
      agent_type: a.agent_type as V04Agent['agent_type'],
      is_whale: a.is_whale,
      risk_tolerance: a.risk_tolerance as number,
      greed: a.greed as number,
      conformity: a.conformity as number,
      voting_power: a.voting_power,
      initial_vote: a.initial_vote,
      final_vote: a.final_vote,
    })),
  };
  const checked = GovernanceV04Record.safeParse(record);
  if (!checked.success) return { ok: false, reason: `not a valid v0.4 record: ${checked.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ')}` };
  return { ok: true, record: checked.data };
}

/** One JSONL line. */
export function v04Line(record: GovernanceV04Record): string {
  return `${JSON.stringify(record)}\n`;
}
