import { type GovernanceV04Record, GovernanceV04Record as Schema, uuid4From, V04_INFLUENCE_MODELS } from './record.ts';

// Records written before v0.4, normalised into v0.4 lines. Missing metadata
// is filled in (and each fill named); missing results are never invented: a
// record without its proposal, vote counts or flips is dropped with the reason.

export interface MigrationContext {
  /** 1-based line of the record in its file. */
  readonly line: number;
  /** The line's text, from which a missing run id is derived. */
  readonly text: string;
  /** ISO time given to records without one (the CLI's --timestamp, or the file's modification time). */
  readonly timestamp: string;
}

export type Migrated = { readonly ok: true; readonly record: GovernanceV04Record; readonly filled: readonly string[] } | { readonly ok: false; readonly reason: string };

/** Key names of earlier versions, by their v0.4 name. */
const OLDER_NAMES: Readonly<Record<string, readonly string[]>> = {
  initial_votes: ['initial_counts'],
  final_votes: ['final_counts'],
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** One legacy record (a parsed JSON line) as a v0.4 record, or why it cannot be one. */
export function migrateRecord(raw: unknown, at: MigrationContext): Migrated {
  if (!isObject(raw)) return { ok: false, reason: 'not a JSON object' };
  const version = raw.schema_version;
  if (version !== undefined && !['0.2', '0.3', '0.4'].includes(String(version))) return { ok: false, reason: `schema_version ${JSON.stringify(version)}: only records up to 0.4 can be migrated` };
  const filled: string[] = [];
  const fill = <T>(key: string, value: T, why: string): T => {
    filled.push(`${key} (${why})`);
    return value;
  };
  const results = (key: string): unknown => {
    for (const name of [key, ...(OLDER_NAMES[key] ?? [])]) {
      if (raw[name] === undefined) continue;
      if (name !== key) filled.push(`${key} (from ${name})`);
      return raw[name];
    }
    return undefined;
  };

  const agentsRaw = raw.agents === undefined ? fill('agents', [], 'not recorded before v0.2') : raw.agents;
  if (!Array.isArray(agentsRaw)) return { ok: false, reason: 'agents is not a list' };
  let untyped = 0;
  const agents = agentsRaw.map((a: unknown) => {
    if (!isObject(a) || a.agent_type !== undefined) return a;
    untyped++;
    // Before archetypes every agent decided by the default rule, which v0.4 keeps as the optimizer's.
    return { agent_type: a.is_whale === true ? 'whale' : 'optimizer', ...a };
  });
  if (untyped > 0) filled.push(`agents[].agent_type (${untyped} agent${untyped > 1 ? 's' : ''} from before archetypes: whale or optimizer)`);

  const flips = raw.flips;
  const record = {
    schema_version: '0.4',
    run_id: typeof raw.run_id === 'string' && Schema.shape.run_id.safeParse(raw.run_id).success ? raw.run_id : fill('run_id', uuid4From(['swarmlab/governance-v0.4/migrated', String(at.line), at.text]), 'derived from the line'),
    timestamp: typeof raw.timestamp === 'string' && Schema.shape.timestamp.safeParse(raw.timestamp).success ? raw.timestamp : fill('timestamp', at.timestamp, 'given'),
    seed: isInt(raw.seed) ? raw.seed : fill('seed', at.line, 'the line number, as v0.4\'s migration does'),
    num_agents: isInt(raw.num_agents) ? raw.num_agents : fill('num_agents', agents.length, 'counted'),
    num_whales: isInt(raw.num_whales) ? raw.num_whales : fill('num_whales', agents.filter((a) => isObject(a) && a.is_whale === true).length, 'counted'),
    conformity_threshold: isNumber(raw.conformity_threshold) ? raw.conformity_threshold : fill('conformity_threshold', 0.6, 'the default'),
    whale_ratio: isNumber(raw.whale_ratio) ? raw.whale_ratio : fill('whale_ratio', 0.15, 'the default'),
    whale_signal: isInt(raw.whale_signal) ? raw.whale_signal : fill('whale_signal', 0, 'not recorded'),
    influence_model: (V04_INFLUENCE_MODELS as readonly unknown[]).includes(raw.influence_model) ? raw.influence_model : fill('influence_model', 'none', 'from before influence networks'),
    proposal: raw.proposal,
    initial_votes: results('initial_votes'),
    final_votes: results('final_votes'),
    weighted_initial: results('weighted_initial'),
    weighted_final: results('weighted_final'),
    flips,
    cascade_rounds: isInt(raw.cascade_rounds) ? raw.cascade_rounds : fill('cascade_rounds', 1, 'one influence round before v0.4'),
    agents_flipped_total: isInt(raw.agents_flipped_total) ? raw.agents_flipped_total : fill('agents_flipped_total', flips, 'equal to flips'),
    agents,
  };
  const parsed = Schema.safeParse(record);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ') };
  const known = new Set([...Object.keys(Schema.shape), ...Object.values(OLDER_NAMES).flat()]);
  const extra = Object.keys(raw).filter((k) => !known.has(k));
  if (extra.length) filled.push(`dropped ${extra.join(', ')} (not in v0.4)`);
  return { ok: true, record: parsed.data, filled };
}

export interface FileMigration {
  readonly records: readonly GovernanceV04Record[];
  readonly dropped: readonly { readonly line: number; readonly reason: string }[];
  /** How many records had something filled in. */
  readonly filled: number;
}

/** Every non-blank line of a JSONL file of older records. */
export function migrateJsonl(text: string, timestamp: string): FileMigration {
  const records: GovernanceV04Record[] = [];
  const dropped: { line: number; reason: string }[] = [];
  let filled = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      dropped.push({ line: i + 1, reason: 'not valid JSON' });
      return;
    }
    const m = migrateRecord(value, { line: i + 1, text: line, timestamp });
    if (!m.ok) {
      dropped.push({ line: i + 1, reason: m.reason });
      return;
    }
    if (m.filled.length) filled++;
    records.push(m.record);
  });
  return { records, dropped, filled };
}
