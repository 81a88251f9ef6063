import { describe, expect, it } from 'vitest';
import { migrateJsonl } from './migrate.ts';
import { GovernanceV04Record, v04Line } from './record.ts';

const GIVEN = '2025-06-01T00:00:00+00:00';

// Records in the shapes the original wrote before v0.4 (hand-written after its
// fixtures): no metadata and older key names; 0.2 without archetypes; 0.3
// without influence fields; then a v0.4 line, a line missing its results and a broken line.
const preMetadata = { proposal: { risk_change: 0.27, yield_change: -0.17, complexity: 0.29 }, num_agents: 50, num_whales: 10, conformity_threshold: 0.7, whale_ratio: 0.2, seed: 42, whale_signal: -1, initial_counts: { yes: 0, no: 50, abstain: 0 }, final_counts: { yes: 0, no: 50, abstain: 0 }, weighted_initial: { yes: 0, no: 57.1, abstain: 0 }, weighted_final: { yes: 0, no: 57.1, abstain: 0 }, flips: 0 };
const agent = { is_whale: false, risk_tolerance: 0.5, greed: 0.67, conformity: 0.18, voting_power: 0.61, initial_vote: 1, final_vote: 1 };
const v02 = { schema_version: '0.2', run_id: 'RUN_ID', timestamp: 'TIMESTAMP', seed: 11, num_agents: 2, num_whales: 1, conformity_threshold: 0.6, whale_ratio: 0.2, whale_signal: -1, proposal: { risk_change: 0.04, yield_change: 0.42, complexity: 0.75 }, initial_votes: { yes: 1, no: 1, abstain: 0 }, final_votes: { yes: 1, no: 1, abstain: 0 }, weighted_initial: { yes: 0.61, no: 3.39, abstain: 0 }, weighted_final: { yes: 0.61, no: 3.39, abstain: 0 }, flips: 0, agents: [agent, { ...agent, is_whale: true, voting_power: 3.39, initial_vote: -1, final_vote: -1 }] };
const v03 = { ...v02, schema_version: '0.3', run_id: '0b8e2f3a-6c1d-4e5f-9a7b-1c2d3e4f5a6b', timestamp: '2025-01-02T03:04:05.678901+00:00', flips: 1, agents: [{ agent_type: 'retail', ...agent, initial_vote: 0 }, { agent_type: 'whale', ...agent, is_whale: true }] };
const v04 = { schema_version: '0.4', run_id: '1c9f3e4b-7d2e-4f60-8b8c-2d3e4f5a6b7c', timestamp: '2025-01-02T03:04:05+00:00', seed: 3, num_agents: 0, num_whales: 0, conformity_threshold: 0.6, whale_ratio: 0.15, whale_signal: 0, influence_model: 'small_world', proposal: { risk_change: 0, yield_change: 0, complexity: 0 }, initial_votes: { yes: 0, no: 0, abstain: 0 }, final_votes: { yes: 0, no: 0, abstain: 0 }, weighted_initial: { yes: 0, no: 0, abstain: 0 }, weighted_final: { yes: 0, no: 0, abstain: 0 }, flips: 0, cascade_rounds: 1, agents_flipped_total: 0, agents: [] };
const { proposal: _, ...noProposal } = preMetadata;
const file = [preMetadata, v02, v03, v04, noProposal].map((r) => JSON.stringify(r)).join('\n') + '\n{"broken": \n\n';

describe('migrating records written before v0.4', () => {
  const m = migrateJsonl(file, GIVEN);

  it('every record with its results becomes a valid v0.4 record; the others are dropped with the line and reason', () => {
    expect(m.records).toHaveLength(4);
    for (const r of m.records) expect(GovernanceV04Record.safeParse(r).success).toBe(true);
    expect(m.dropped).toEqual([
      { line: 5, reason: expect.stringContaining('proposal') },
      { line: 6, reason: 'not valid JSON' },
    ]);
    expect(m.filled).toBe(3);
  });

  it('fills missing metadata and renames older keys, never changing a result', () => {
    const [pre, two, three] = m.records;
    expect(pre).toMatchObject({ schema_version: '0.4', timestamp: GIVEN, seed: 42, influence_model: 'none', cascade_rounds: 1, agents_flipped_total: 0, agents: [] });
    expect(pre?.initial_votes).toEqual(preMetadata.initial_counts);
    expect(pre?.final_votes).toEqual(preMetadata.final_counts);
    expect(pre?.weighted_final).toEqual(preMetadata.weighted_final);
    // 0.2's placeholders are not a UUID or a time: replaced. Its agents get the archetype of their rule.
    expect(two?.run_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(two?.timestamp).toBe(GIVEN);
    expect(two?.agents.map((a) => a.agent_type)).toEqual(['optimizer', 'whale']);
    // 0.3 keeps its own id and time; it lacked only the influence fields.
    expect(three).toMatchObject({ run_id: v03.run_id, timestamp: v03.timestamp, influence_model: 'none', cascade_rounds: 1, agents_flipped_total: 1 });
    expect(three?.agents.map((a) => a.agent_type)).toEqual(['retail', 'whale']);
  });

  it('a v0.4 record passes through unchanged, and migration is deterministic and idempotent', () => {
    expect(m.records[3]).toEqual(v04);
    const again = migrateJsonl(file, GIVEN);
    expect(again.records.map(v04Line).join('')).toBe(m.records.map(v04Line).join(''));
    const twice = migrateJsonl(m.records.map(v04Line).join(''), '2030-01-01T00:00:00Z');
    expect(twice.records).toEqual(m.records);
    expect(twice.filled).toBe(0);
  });

  it('refuses a record from a later schema version', () => {
    expect(migrateJsonl(JSON.stringify({ ...v04, schema_version: '0.5' }), GIVEN).dropped[0]?.reason).toContain('0.5');
  });
});
