import { describe, expect, it } from 'vitest';
import type { GovernanceRecord } from '../cascade.ts';
import { GovernanceV04Record, toV04Record, v04Line, v04RunId, type V04RunFacts } from './record.ts';

// A record as the original simulator writes it (hand-written, keys in v0.4's order).
const HAND_WRITTEN = `{"schema_version": "0.4", "run_id": "0b8e2f3a-6c1d-4e5f-9a7b-1c2d3e4f5a6b", "timestamp": "2025-03-14T09:26:53.589793+00:00", "seed": 7, "num_agents": 2, "num_whales": 1, "conformity_threshold": 0.6, "whale_ratio": 0.15, "whale_signal": 1, "influence_model": "erdos_renyi", "proposal": {"risk_change": 0.1, "yield_change": 0.5, "complexity": 0.3}, "initial_votes": {"yes": 1, "no": 1, "abstain": 0}, "final_votes": {"yes": 2, "no": 0, "abstain": 0}, "weighted_initial": {"yes": 3.5, "no": 0.75, "abstain": 0}, "weighted_final": {"yes": 4.25, "no": 0, "abstain": 0}, "flips": 1, "cascade_rounds": 2, "agents_flipped_total": 1, "agents": [{"agent_type": "whale", "is_whale": true, "risk_tolerance": 0.4, "greed": 0.9, "conformity": 0.2, "voting_power": 3.5, "initial_vote": 1, "final_vote": 1}, {"agent_type": "reputation_seeker", "is_whale": false, "risk_tolerance": 0.5, "greed": 0.3, "conformity": 0.8, "voting_power": 0.75, "initial_vote": -1, "final_vote": 1}]}`;

/** The same run as swarmlab's governance_record.json holds it. */
const swarmlabRecord: GovernanceRecord = {
  schema_version: '0.4',
  mode: 'archetype',
  num_agents: 2,
  num_whales: 1,
  conformity_threshold: 0.6,
  whale_ratio: 0.15,
  whale_signal: 1,
  influence_model: 'network:influence',
  influence: { scope: 'network', network: 'influence', signal: 'neighbors', edge_weights: 'random', nodes: 2, edges: 1, mean_degree: 1, density: 1 },
  proposal: { risk_change: 0.1, yield_change: 0.5, complexity: 0.3 },
  initial_votes: { yes: 1, no: 1, abstain: 0 },
  final_votes: { yes: 2, no: 0, abstain: 0 },
  weighted_initial: { yes: 3.5, no: 0.75, abstain: 0 },
  weighted_final: { yes: 4.25, no: 0, abstain: 0 },
  flips: 1,
  flips_per_round: [1, 0],
  cascade_flips: 1,
  oscillating_flips: 0,
  cascade_rounds: 2,
  agents_flipped_total: 1,
  agents_flipped_distinct: 1,
  agents: [
    { id: '0', agent_type: 'whale', is_whale: true, risk_tolerance: 0.4, greed: 0.9, conformity: 0.2, voting_power: 3.5, threshold: null, initial_vote: 1, final_vote: 1, votes_by_round: [1, 1, 1] },
    { id: '1', agent_type: 'reputation_seeker', is_whale: false, risk_tolerance: 0.5, greed: 0.3, conformity: 0.8, voting_power: 0.75, threshold: null, initial_vote: -1, final_vote: 1, votes_by_round: [-1, 1, 1] },
  ],
  flip_log: [{ round: 1, agent: '1', from: -1, to: 1, signal: 1, personal: -1, kind: 'cascade' }],
};

const facts: V04RunFacts = { experiment: 'governance-cascade', specDigest: 'a'.repeat(64), runId: 'run-000003', seed: 7, startedAt: '2025-03-14T09:26:53.589793+00:00', networkModule: 'erdos-renyi' };

describe('governance v0.4 record', () => {
  it('a record written by the original simulator passes the schema; one with an extra or a missing key does not', () => {
    const original = JSON.parse(HAND_WRITTEN) as Record<string, unknown>;
    expect(GovernanceV04Record.safeParse(original).success).toBe(true);
    expect(GovernanceV04Record.safeParse({ ...original, extra_field: 'oops' }).success).toBe(false);
    const { agents_flipped_total: _, ...missing } = original;
    expect(GovernanceV04Record.safeParse(missing).success).toBe(false);
    expect(GovernanceV04Record.safeParse({ ...original, run_id: 'not-a-uuid' }).success).toBe(false);
    expect(GovernanceV04Record.safeParse({ ...original, influence_model: 'global' }).success).toBe(false);
  });

  it('a swarmlab run becomes the line the original would have written: same keys, same order, same values', () => {
    const built = toV04Record(swarmlabRecord, facts);
    if (!built.ok) throw new Error(built.reason);
    const expected = JSON.parse(HAND_WRITTEN) as Record<string, unknown>;
    const line = JSON.parse(v04Line(built.record)) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(Object.keys(expected));
    expect((line.agents as object[]).map((a) => Object.keys(a))).toEqual((expected.agents as object[]).map((a) => Object.keys(a)));
    expect({ ...line, run_id: 'x' }).toEqual({ ...expected, run_id: 'x' });
    expect(v04Line(built.record).endsWith('}\n')).toBe(true);
    expect(v04Line(built.record).split('\n')).toHaveLength(2);
  });

  it('the run id is a version-4 UUID derived from the run: stable, and different for another run or experiment', () => {
    const id = v04RunId('governance-cascade', 'a'.repeat(64), 'run-000003');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(v04RunId('governance-cascade', 'a'.repeat(64), 'run-000003')).toBe(id);
    expect(v04RunId('governance-cascade', 'a'.repeat(64), 'run-000004')).not.toBe(id);
    expect(v04RunId('governance-cascade', 'b'.repeat(64), 'run-000003')).not.toBe(id);
    expect(v04RunId('other-experiment', 'a'.repeat(64), 'run-000003')).not.toBe(id);
    const built = toV04Record(swarmlabRecord, facts);
    expect(built.ok && built.record.run_id).toBe(id);
  });

  it('small-world networks map to small_world; threshold mode and other networks have no v0.4 record', () => {
    const ws = toV04Record(swarmlabRecord, { ...facts, networkModule: 'watts-strogatz' });
    expect(ws.ok && ws.record.influence_model).toBe('small_world');
    expect(toV04Record(swarmlabRecord, { ...facts, networkModule: 'grid-2d' })).toMatchObject({ ok: false, reason: expect.stringContaining('grid-2d') });
    expect(toV04Record(swarmlabRecord, { ...facts, networkModule: undefined })).toMatchObject({ ok: false, reason: expect.stringContaining('global') });
    expect(toV04Record({ ...swarmlabRecord, mode: 'threshold' }, facts)).toMatchObject({ ok: false, reason: expect.stringContaining('threshold') });
  });
});
