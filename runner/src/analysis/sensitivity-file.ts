import { z } from 'zod';

// sensitivity.json: what `swarmlab analyze` found, beside the results it was
// computed from. Versioned on its own (its readers are analysts and the
// report); checked against this schema before it is written and when read.

/** Semver of sensitivity.json. Bump minor for additive changes, major for breaking ones. */
export const SENSITIVITY_SCHEMA_VERSION = '1.0.0';
export const ANALYSIS_METHODS = ['sobol', 'morris'] as const;
export type AnalysisMethod = (typeof ANALYSIS_METHODS)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case sha256 hex digest');
const maybe = z.number().nullable();

export const EstimateSchema = z
  .object({
    value: maybe.describe('The estimate from every sample; null when undefined (the metric does not vary).'),
    ci_low: maybe.describe('Lower end of the bootstrap percentile interval.'),
    ci_high: maybe.describe('Upper end of the bootstrap percentile interval.'),
  })
  .strict();

const SobolIndices = z
  .object({
    param: z.string(),
    first: EstimateSchema.describe("First-order index S1 (Saltelli et al. 2010): the share of the metric's variance the parameter explains alone."),
    total: EstimateSchema.describe('Total-order index ST (Jansen 1999): the share it explains with all its interactions.'),
  })
  .strict();

const SecondOrder = z
  .object({ params: z.tuple([z.string(), z.string()]), estimate: EstimateSchema.describe('Second-order index S2 (Saltelli 2002).') })
  .strict();

const MorrisEffects = z
  .object({
    param: z.string(),
    mu_star: EstimateSchema.describe('Mean absolute elementary effect: how much the parameter matters.'),
    mu: z.number().describe('Mean elementary effect: its sign says the direction when the effects agree.'),
    sigma: maybe.describe('Standard deviation of the elementary effects: nonlinearity or interactions.'),
  })
  .strict();

export const MetricSensitivity = z
  .object({
    metric: z.string(),
    groups: z.number().int().min(0).describe('Base samples (sobol) or trajectories (morris) the indices are computed from.'),
    excluded: z.number().int().min(0).describe('Base samples or trajectories left out because a point of theirs has no value of the metric (every run there failed).'),
    sobol: z.array(SobolIndices).optional(),
    second_order: z.array(SecondOrder).optional(),
    morris: z.array(MorrisEffects).optional(),
  })
  .strict();
export type MetricSensitivity = z.infer<typeof MetricSensitivity>;

export const SensitivityFile = z
  .object({
    schema_version: z.string().regex(/^\d+\.\d+\.\d+$/),
    experiment: z.object({ name: z.string(), spec_digest: sha256Hex }).strict(),
    manifest_digest: sha256Hex.describe('The manifest the results table was built from.'),
    method: z.enum(ANALYSIS_METHODS),
    design: z.record(z.string(), z.unknown()).describe('spec.sweep.design, as run.'),
    parameters: z.array(z.string()).describe('The design parameters, in design order.'),
    bootstrap: z
      .object({ resamples: z.number().int().min(1), confidence: z.number().gt(0).lt(1) })
      .strict()
      .describe('The intervals: percentiles of the estimates over resamples of the base samples or trajectories, drawn from the experiment seed.'),
    metrics: z.array(MetricSensitivity),
  })
  .strict()
  .describe("sensitivity.json: Sobol' indices or Morris effects of final metrics, computed by swarmlab analyze from the results table.");
export type SensitivityFile = z.infer<typeof SensitivityFile>;

export function formatSensitivityFile(doc: SensitivityFile): string {
  return `${JSON.stringify(SensitivityFile.parse(doc), null, 2)}\n`;
}
