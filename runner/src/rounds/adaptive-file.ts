import { z } from 'zod';

// adaptive.json: what the rounds of an adaptive sweep found, beside the
// results they were decided from. Versioned on its own (its readers are
// analysts and the report); checked against this schema before it is
// written and when read. Built from the manifest's runs alone: the same
// results give the same bytes.

/** Semver of adaptive.json. Bump minor for additive changes, major for breaking ones. */
export const ADAPTIVE_SCHEMA_VERSION = '1.0.0';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case sha256 hex digest');
const maybe = z.number().nullable();
const paramValue = z.union([z.number(), z.string(), z.boolean()]);

const RoundEntry = z
  .object({
    round: z.number().int().min(0),
    runs: z.number().int().min(0).describe('Runs the round added.'),
    first_index: z.number().int().min(0).describe('Its lowest run index.'),
    last_index: z.number().int().min(0).describe('Its highest run index.'),
  })
  .strict();

const Sample = z
  .object({
    seeds: z.number().int().min(0).describe('Seeds run.'),
    n: z.number().int().min(0).describe('Runs with a value of the metric (succeeded ones).'),
    mean: maybe,
    ci95_low: maybe,
    ci95_high: maybe,
  })
  .strict();

const ReplicationPoint = Sample.extend({
  point: z.number().int().min(0),
  params: z.record(z.string(), paramValue),
  half_width: maybe.describe('Half the width of the 95% interval (null below two values).'),
  state: z.enum(['reached', 'max-seeds', 'open']).describe('reached: the target; max-seeds: stopped at maxSeeds short of it; open: the sweep ended before (failure budget).'),
}).strict();

const Probe = Sample.extend({
  value: z.number().describe('The searched parameter\'s value.'),
  level: z.number().int().min(0),
  round: z.number().int().min(0).describe('The round that first ran it.'),
  verdict: z.enum(['holds', 'fails', 'open', 'undecided']).describe('holds / fails: its interval at breakingPoint.confidence lies wholly on one side of the threshold; undecided: not, after maxSeeds; open: the search ended before.'),
}).strict();

const Bracket = z.object({ round: z.number().int().min(0), low: maybe, high: maybe }).strict();

const Search = z
  .object({
    point: z.number().int().min(0).describe('The grid or explicit point searched at (0 without one).'),
    params: z.record(z.string(), paramValue).describe('Its other parameters.'),
    status: z
      .enum(['converged', 'noise-limited', 'searching', 'holds-throughout', 'fails-throughout', 'end-undecided'])
      .describe('converged: the interval is at most tolerance wide; noise-limited: undecided probes keep it wider; searching: maxRounds ended it; holds-throughout, fails-throughout, end-undecided: no switch found in the range.'),
    holds_above: z.boolean().nullable().describe('Whether the criterion holds above the breaking point (null: no switch found).'),
    estimate: maybe.describe('Where the probes\' means cross the threshold (linear between adjacent probes in the interval).'),
    ci_low: maybe.describe('The interval\'s lower end: the nearest probe below the estimate decided the other way from ci_high (at breakingPoint.confidence).'),
    ci_high: maybe.describe('The interval\'s upper end: the nearest probe above decided the other way from ci_low.'),
    decisions: z.number().int().min(0).describe('Probes decided: all are right with probability at least 1 - decisions (1 - confidence) / 2, and then the interval holds the breaking point (of a monotone mean).'),
    probes: z.array(Probe).describe('Every probed value, ascending.'),
    history: z.array(Bracket).describe('The interval as each round was decided, and after the last.'),
  })
  .strict();

export const AdaptiveFile = z
  .object({
    schema_version: z.string().regex(/^\d+\.\d+\.\d+$/),
    experiment: z.object({ name: z.string(), spec_digest: sha256Hex }).strict(),
    manifest_digest: sha256Hex.describe('The manifest whose runs the rounds were replayed from.'),
    mode: z.enum(['replication', 'breaking-point']),
    settings: z.record(z.string(), z.unknown()).describe('spec.sweep.replication or spec.sweep.breakingPoint, as run.'),
    metric: z.string().describe('The results-table column the rounds decided by.'),
    ended: z.enum(['settled', 'max-rounds', 'stopped']).describe('settled: no point needed another round; max-rounds: breakingPoint.maxRounds; stopped: the failure budget ended the sweep.'),
    rounds: z.array(RoundEntry),
    replication: z.array(ReplicationPoint).optional(),
    searches: z.array(Search).optional(),
  })
  .strict()
  .describe('adaptive.json: the rounds of an adaptive sweep and what they found: each point\'s seeds and interval (replication), or each breaking point with its interval and the search\'s course (breakingPoint).');
export type AdaptiveFile = z.infer<typeof AdaptiveFile>;
export type SearchResult = z.infer<typeof Search>;

export function formatAdaptiveFile(doc: AdaptiveFile): string {
  return `${JSON.stringify(AdaptiveFile.parse(doc), null, 2)}\n`;
}

const num = (v: number | null): string => (v === null ? '–' : Number(v.toPrecision(4)).toString());

/** A line or two for the terminal: each breaking point with its interval, or how replication's points ended. */
export function adaptiveText(doc: AdaptiveFile): string {
  const runs = doc.rounds.reduce((n, r) => n + r.runs, 0);
  const head = `${doc.mode}: ${doc.rounds.length} rounds, ${runs} runs (${doc.ended})`;
  if (doc.mode === 'replication') {
    const points = doc.replication ?? [];
    const count = (state: string): number => points.filter((p) => p.state === state).length;
    return `${head}; ${count('reached')} of ${points.length} points reached the target, ${count('max-seeds')} stopped at maxSeeds\n`;
  }
  const lines = (doc.searches ?? []).map((s) => {
    const at = Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    const where = s.ci_low === null ? s.status : `${num(s.estimate)} in [${num(s.ci_low)}, ${num(s.ci_high)}] (${s.status})`;
    return `breaking point of ${String(doc.settings.parameter)}${at ? ` at ${at}` : ''}: ${where}`;
  });
  return `${head}\n${lines.join('\n')}\n`;
}
