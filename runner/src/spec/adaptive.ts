import { z } from 'zod';
import { strictObject } from './strict-object.ts';

// spec.sweep.replication and spec.sweep.breakingPoint: sweeps run in rounds,
// each round decided from the results of the rounds before
// (runner/src/rounds). Like the rest of the Experiment they stay within a
// structural CRD schema: the target is two optional fields checked here, not
// a union of shapes.

export const COMPARISONS = ['>=', '>', '<=', '<'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const CRITERION_STATISTICS = ['mean'] as const;

/** Deepest bisection: 2^20 + 1 values of the searched parameter (every process planning a run computes its value from the level alone). */
export const MAX_SEARCH_DEPTH = 20;
export const DEFAULT_MAX_ROUNDS = 30;
/** Each probe's decision level: stricter than the reported 95%, since a search makes a dozen decisions and one wrong one moves its interval. */
export const DEFAULT_DECISION_CONFIDENCE = 0.99;

/** A numeric column of the results table (docs/results.md): what the rounds read of each run. */
export const resultColumn = z
  .string()
  .min(8)
  .max(300)
  .regex(/^(metric|summary)\.[A-Za-z0-9_.-]+$/, 'must name a numeric column of the results table: metric.<instance>.<metric> (a final metric) or summary.<instance>.<key> (a scalar of a module summary)')
  .describe('A numeric column of the results table: `metric.<instance>.<metric>` (a final metric) or `summary.<instance>.<key>` (a scalar of a module\'s summary).');

export const ReplicationTarget = strictObject({
  halfWidth: z.number().positive().optional().describe('Stop a point once the half-width of its 95% interval is at most this, in the metric\'s units.'),
  relativeHalfWidth: z.number().positive().optional().describe('Stop a point once the half-width of its 95% interval is at most this fraction of the absolute mean (0.05: within 5%).'),
})
  .superRefine((t, ctx) => {
    if ((t.halfWidth === undefined) === (t.relativeHalfWidth === undefined)) ctx.addIssue({ code: 'custom', path: ['halfWidth'], message: 'give halfWidth or relativeHalfWidth, exactly one' });
  })
  .describe('How precise each point\'s mean must be.');

export const Replication = strictObject({
  metric: resultColumn,
  minSeeds: z.number().int().min(2).max(100_000).default(3).describe('Seeds every point starts with (round 0); at least 2, for an interval.'),
  maxSeeds: z.number().int().min(2).max(100_000).describe('Most seeds a point gets; a point that has not reached the target by then stops there.'),
  seedsPerRound: z.number().int().min(1).max(100_000).default(3).describe('Seeds added to each point still short of the target, per round.'),
  target: ReplicationTarget,
})
  .superRefine((r, ctx) => {
    if (r.minSeeds > r.maxSeeds) ctx.addIssue({ code: 'custom', path: ['minSeeds'], message: `minSeeds ${r.minSeeds} is above maxSeeds ${r.maxSeeds}` });
  })
  .describe('Adaptive replication: each point starts with minSeeds seeds and gets seedsPerRound more per round until the 95% interval of the metric\'s mean is as narrow as target, or maxSeeds is reached. Seeds are hashed from spec.sweep.seeds.base.');
export type Replication = z.infer<typeof Replication>;

export const Criterion = strictObject({
  metric: resultColumn,
  statistic: z.enum(CRITERION_STATISTICS).default('mean').describe('mean: the mean over a point\'s seeds, decided by its 95% interval.'),
  op: z.enum(COMPARISONS).describe('How the statistic compares with value when the system is broken.'),
  value: z.number().describe('The threshold.'),
}).describe('When the system counts as broken, e.g. mean of summary.server.meanSojourn >= 4.');
export type Criterion = z.infer<typeof Criterion>;

export const SearchRange = strictObject({
  min: z.number().describe('Lower end of the search.'),
  max: z.number().describe('Upper end of the search.'),
})
  .refine((r) => r.min < r.max, { path: ['max'], message: 'max must be above min' })
  .describe('Where the breaking point is searched.');

/** The bisection's depth: levels spaced at most `tolerance` apart over the range. */
export function searchDepth(b: { readonly range: { readonly min: number; readonly max: number }; readonly tolerance: number }): number {
  return Math.max(1, Math.ceil(Math.log2((b.range.max - b.range.min) / b.tolerance) - 1e-12));
}

export function breakingPointSchema<P extends z.ZodType>(paramPath: P) {
  return strictObject({
    parameter: paramPath,
    range: SearchRange,
    criterion: Criterion,
    tolerance: z.number().positive().describe('Stop once the interval holding the breaking point is at most this wide (in the parameter\'s units); the searched values are a grid this fine.'),
    seedsPerRound: z.number().int().min(2).max(100_000).default(4).describe('Seeds a probed value gets per round, until its interval decides the criterion; at least 2.'),
    maxSeeds: z.number().int().min(2).max(100_000).default(16).describe('Most seeds one probed value gets; one still undecided then is within the noise of the breaking point.'),
    maxRounds: z.number().int().min(1).max(1000).default(DEFAULT_MAX_ROUNDS).describe('Most rounds of the search.'),
    confidence: z
      .number()
      .min(0.5)
      .max(0.9999)
      .default(DEFAULT_DECISION_CONFIDENCE)
      .describe('Confidence of each probe\'s decision (its Student\'s t interval for the mean). A wrong decision can move the interval off the breaking point; with k probes decided, all are right with probability at least 1 - k (1 - confidence) / 2.'),
  })
    .superRefine((b, ctx) => {
      if (b.seedsPerRound > b.maxSeeds) ctx.addIssue({ code: 'custom', path: ['seedsPerRound'], message: `seedsPerRound ${b.seedsPerRound} is above maxSeeds ${b.maxSeeds}` });
      if (b.range.min < b.range.max && Math.log2((b.range.max - b.range.min) / b.tolerance) > MAX_SEARCH_DEPTH) {
        ctx.addIssue({ code: 'custom', path: ['tolerance'], message: `tolerance ${b.tolerance} is finer than 1/2^${MAX_SEARCH_DEPTH} of the range; use at least ${(b.range.max - b.range.min) / 2 ** MAX_SEARCH_DEPTH}` });
      }
    })
    .describe('Breaking-point search: bisection over parameter within range, each probed value run with seeds until the interval (at confidence) of the criterion\'s statistic lies on one side of value; the answer is the interval between the nearest values decided each way. Grid axes or explicit points, if any, each get their own search (a boundary curve).');
}
