import type { Rng } from 'swarmlab/sdk';

// Decision rules of the Governance Cascade Simulator v0.4, kept with its
// archetype names so its run records stay comparable.

export const ARCHETYPES = ['optimizer', 'reputation_seeker', 'contrarian', 'institution', 'retail', 'whale'] as const;
export type Archetype = (typeof ARCHETYPES)[number];
export type Vote = -1 | 0 | 1;

export interface Proposal {
  /** -1 (big risk reduction) .. +1 (big risk increase). */
  readonly risk_change: number;
  /** -1 (yield drop) .. +1 (yield boost). */
  readonly yield_change: number;
  /** 0 (simple) .. 1 (very complex). */
  readonly complexity: number;
}

export interface VoterAttributes {
  readonly agent_type: Archetype;
  readonly is_whale: boolean;
  readonly risk_tolerance: number;
  readonly greed: number;
  readonly conformity: number;
  /** Token weight of the vote. */
  readonly voting_power: number;
}

const NOISE: Record<Archetype, number> = {
  optimizer: 0.05,
  reputation_seeker: 0.05,
  contrarian: 0.03,
  institution: 0.01,
  retail: 0.12,
  whale: 0.02,
};

/** Personal utility of a proposal before noise and social signal. */
export function personalUtility(a: VoterAttributes, p: Proposal): number {
  let base = p.yield_change * a.greed - p.risk_change * (1 - a.risk_tolerance) - p.complexity * (1 - a.risk_tolerance) * 0.4;
  if (a.agent_type === 'institution') base -= p.complexity * 0.1;
  else if (a.agent_type === 'retail') base += p.yield_change * 0.05;
  else if (a.agent_type === 'contrarian') base -= p.risk_change * 0.05;
  return base;
}

export function noiseAmplitude(a: VoterAttributes): number {
  return NOISE[a.agent_type];
}

/**
 * Blends a score with a social signal (+1 / -1). Each archetype weighs it
 * differently; a contrarian's sway points against the signal.
 */
export function applySignal(a: VoterAttributes, score: number, signal: Vote): number {
  if (signal === 0) return score;
  const magnitude = Math.max(Math.abs(score), 0.1);
  switch (a.agent_type) {
    case 'contrarian':
      return 0.6 * score + 0.4 * (-a.conformity * signal * magnitude);
    case 'reputation_seeker':
      return 0.55 * score + 0.45 * (1.2 * a.conformity * signal * magnitude);
    case 'institution':
      return 0.8 * score + 0.2 * (0.4 * a.conformity * signal * magnitude * 0.5);
    case 'retail':
      return 0.65 * score + 0.35 * (0.8 * a.conformity * signal * magnitude);
    default:
      return 0.7 * score + 0.3 * (0.6 * a.conformity * signal * magnitude);
  }
}

export function toVote(score: number): Vote {
  if (score > 0.05) return 1;
  if (score < -0.05) return -1;
  return 0;
}

export interface Decision {
  readonly vote: Vote;
  /** What the agent would vote on the same noise without any signal. */
  readonly personal: Vote;
}

/** One decision: utility, fresh noise from the given stream, then the signal. */
export function decide(a: VoterAttributes, p: Proposal, signal: Vote, noise: Rng): Decision {
  const amp = noiseAmplitude(a);
  const score = personalUtility(a, p) + noise.uniform(-amp, amp);
  return { vote: toVote(applySignal(a, score, signal)), personal: toVote(score) };
}

const NON_WHALE: readonly (readonly [Archetype, number])[] = [
  ['optimizer', 0.3],
  ['reputation_seeker', 0.2],
  ['contrarian', 0.15],
  ['institution', 0.15],
  ['retail', 0.2],
];

/** Attribute ranges per archetype: risk tolerance, greed, conformity, voting power. */
const RANGES: Record<Archetype, readonly [readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number]]> = {
  whale: [[0.2, 0.8], [0.4, 1.0], [0.1, 0.6], [2.0, 5.0]],
  optimizer: [[0.2, 0.9], [0.5, 1.0], [0.2, 0.8], [0.3, 1.2]],
  reputation_seeker: [[0.3, 0.7], [0.2, 0.6], [0.6, 1.0], [0.2, 1.0]],
  contrarian: [[0.4, 0.9], [0.4, 0.8], [0.1, 0.6], [0.2, 1.0]],
  institution: [[0.1, 0.5], [0.3, 0.7], [0.2, 0.6], [0.8, 1.5]],
  retail: [[0.3, 0.8], [0.2, 1.0], [0.3, 0.9], [0.1, 0.9]],
};

export function generateVoter(rng: Rng, whaleRatio: number, weights: Readonly<Record<string, number>> | undefined): VoterAttributes {
  const isWhale = rng.next() < whaleRatio;
  let type: Archetype = 'whale';
  if (!isWhale) {
    const table = NON_WHALE.map(([t, w]) => [t, weights?.[t] ?? w] as const);
    const roll = rng.next() * table.reduce((s, [, w]) => s + w, 0);
    let cumulative = 0;
    type = (table.at(-1) as readonly [Archetype, number])[0];
    for (const [t, w] of table) {
      cumulative += w;
      if (roll <= cumulative) {
        type = t;
        break;
      }
    }
  }
  const [rt, gr, co, vp] = RANGES[type];
  return {
    agent_type: type,
    is_whale: isWhale,
    risk_tolerance: rng.uniform(rt[0], rt[1]),
    greed: rng.uniform(gr[0], gr[1]),
    conformity: rng.uniform(co[0], co[1]),
    voting_power: rng.uniform(vp[0], vp[1]),
  };
}

export function drawProposal(rng: Rng): Proposal {
  return { risk_change: rng.uniform(-0.5, 0.7), yield_change: rng.uniform(-0.2, 0.9), complexity: rng.uniform(0.1, 0.8) };
}

export function tally(votes: readonly Vote[], weights?: readonly number[]): { yes: number; no: number; abstain: number } {
  const out = { yes: 0, no: 0, abstain: 0 };
  votes.forEach((v, i) => {
    const w = weights ? (weights[i] as number) : 1;
    if (v === 1) out.yes += w;
    else if (v === -1) out.no += w;
    else out.abstain += w;
  });
  return out;
}

/** Majority of the whales' votes by head count, as v0.4 computes it: +1, -1 or 0 on a tie. */
export function whaleSignal(voters: readonly VoterAttributes[], votes: readonly Vote[]): Vote {
  let yes = 0;
  let no = 0;
  voters.forEach((a, i) => {
    if (!a.is_whale) return;
    if (votes[i] === 1) yes++;
    else if (votes[i] === -1) no++;
  });
  return yes > no ? 1 : no > yes ? -1 : 0;
}
