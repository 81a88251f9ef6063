import { z } from 'zod';
import { strictObject } from './strict-object.ts';

// spec.sweep.design: parameters with ranges or categories, and the method
// that picks the points (runner/src/designs). Like the rest of the
// Experiment it stays within a structural CRD schema: the distribution is an
// enum beside optional fields, checked here, not a union of shapes.

export const DESIGN_METHODS = ['random', 'latin-hypercube', 'sobol', 'saltelli', 'morris'] as const;
export type DesignMethod = (typeof DESIGN_METHODS)[number];
export const DISTRIBUTIONS = ['uniform', 'log-uniform', 'integer', 'categorical'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** Most parameters a design takes (a Saltelli design uses twice as many Sobol' dimensions). */
export const MAX_DESIGN_PARAMETERS = 64;
/** Most points a maximin Latin hypercube is chosen among pairs of (its cost grows with the square of the points). */
export const MAX_MAXIMIN_SAMPLES = 2048;
export const DEFAULT_MAXIMIN_CANDIDATES = 32;
export const DEFAULT_MORRIS_LEVELS = 4;

/** Which design settings each method takes; the others are refused so that a setting never silently does nothing. */
const SETTINGS: Readonly<Record<DesignMethod, readonly string[]>> = {
  random: ['samples'],
  'latin-hypercube': ['samples', 'maximin', 'candidates'],
  sobol: ['samples', 'scramble'],
  saltelli: ['samples', 'scramble', 'secondOrder'],
  morris: ['levels', 'trajectories'],
};
const OPTIONAL_SETTINGS = ['samples', 'maximin', 'candidates', 'scramble', 'secondOrder', 'levels', 'trajectories'] as const;

/** Most points a design may have: the whole design is drawn in each process that plans a run. */
export const MAX_DESIGN_POINTS = 1_000_000;

/** The number of points of a design with these settings (Saltelli: N (k + 2), or N (2k + 2) with second order; Morris: r (k + 1)). */
export function designPointCount(d: { readonly method: DesignMethod; readonly parameters: readonly unknown[]; readonly samples?: number | undefined; readonly trajectories?: number | undefined; readonly secondOrder?: boolean | undefined }): number {
  const k = d.parameters.length;
  if (d.method === 'saltelli') return (d.samples ?? 0) * (d.secondOrder === true ? 2 * k + 2 : k + 2);
  if (d.method === 'morris') return (d.trajectories ?? 0) * (k + 1);
  return d.samples ?? 0;
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;

export function designParameterSchema<P extends z.ZodType, V extends z.ZodType>(paramPath: P, paramValue: V) {
  return strictObject({
    param: paramPath,
    distribution: z
      .enum(DISTRIBUTIONS)
      .describe('uniform: evenly over [min, max]; log-uniform: evenly in log over [min, max] (min > 0); integer: each whole number of [min, max] alike; categorical: each of values alike.'),
    min: z.number().optional().describe('uniform, log-uniform, integer: the lower end.'),
    max: z.number().optional().describe('uniform, log-uniform, integer: the upper end.'),
    values: z.array(paramValue).min(1).max(10_000).optional().describe('categorical: the values (numbers, strings or booleans).'),
  })
    .superRefine((p, ctx) => {
      if (p.distribution === 'categorical') {
        if (p.values === undefined) ctx.addIssue({ code: 'custom', path: ['values'], message: 'distribution categorical needs values: the list to choose from' });
        for (const k of ['min', 'max'] as const) if (p[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} applies to uniform, log-uniform and integer; a categorical parameter takes values` });
        return;
      }
      if (p.values !== undefined) ctx.addIssue({ code: 'custom', path: ['values'], message: `values applies to categorical; a ${p.distribution} parameter takes min and max` });
      for (const k of ['min', 'max'] as const) if (p[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `distribution ${p.distribution} needs ${k}` });
      if (p.min === undefined || p.max === undefined) return;
      if (p.distribution === 'integer') {
        for (const k of ['min', 'max'] as const) if (!Number.isSafeInteger(p[k])) ctx.addIssue({ code: 'custom', path: [k], message: `an integer parameter's ${k} must be a whole number, not ${p[k]}` });
        if (p.min > p.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `max ${p.max} is below min ${p.min}` });
      } else if (!(p.min < p.max)) ctx.addIssue({ code: 'custom', path: ['max'], message: `max must be above min (${p.min}); for a fixed value set it in the scenario` });
      if (p.distribution === 'log-uniform' && p.min <= 0) ctx.addIssue({ code: 'custom', path: ['min'], message: `a log-uniform parameter's min must be above 0, not ${p.min}` });
    })
    .describe('One parameter of a design: where its value goes and how its values are spread.');
}

export function designSchema<P extends z.ZodType>(parameter: P) {
  return strictObject({
    method: z
      .enum(DESIGN_METHODS)
      .describe('random: independent uniform draws; latin-hypercube: one point in each of samples slices of every parameter; sobol: a (scrambled) Sobol\' sequence; saltelli: the A, B and AB matrices of Sobol\' indices (swarmlab analyze --method sobol); morris: elementary-effect trajectories (swarmlab analyze --method morris).'),
    parameters: z.array(parameter).min(1).max(MAX_DESIGN_PARAMETERS).describe('The parameters the design varies, each with its range or values.'),
    samples: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('random, latin-hypercube, sobol: the number of points; saltelli: the base sample N (N x (parameters + 2) points, N x (2 parameters + 2) with secondOrder). A power of two for sobol and saltelli.'),
    maximin: z.boolean().optional().describe('latin-hypercube: draw candidates designs and keep the one whose two closest points are farthest apart.'),
    candidates: z.number().int().min(2).max(1000).optional().describe(`latin-hypercube with maximin: how many designs to choose among (default ${DEFAULT_MAXIMIN_CANDIDATES}).`),
    scramble: z.boolean().optional().describe('sobol, saltelli: scramble the sequence (random linear matrix and digital shift, from the experiment seed), the default; false gives the plain sequence, whose first point is all zeros.'),
    secondOrder: z.boolean().optional().describe('saltelli: add the BA matrices, for second-order indices.'),
    levels: z.number().int().min(2).max(1000).optional().describe(`morris: levels of each parameter's grid, an even number (default ${DEFAULT_MORRIS_LEVELS}).`),
    trajectories: z.number().int().min(1).max(100_000).optional().describe('morris: the number of trajectories (each parameters + 1 points).'),
  })
    .superRefine((d, ctx) => {
      const takes = SETTINGS[d.method];
      for (const k of OPTIONAL_SETTINGS) {
        if (d[k] !== undefined && !takes.includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${k} does not apply to method ${d.method} (it takes ${takes.join(', ')})` });
      }
      if (d.method !== 'morris' && d.samples === undefined) ctx.addIssue({ code: 'custom', path: ['samples'], message: `method ${d.method} needs samples: how many points to draw` });
      if ((d.method === 'sobol' || d.method === 'saltelli') && d.samples !== undefined && !isPowerOfTwo(d.samples)) {
        ctx.addIssue({ code: 'custom', path: ['samples'], message: `method ${d.method} needs a power of two (e.g. ${2 ** Math.max(0, Math.round(Math.log2(d.samples)))}), not ${d.samples}: a Sobol' sequence is balanced only at powers of two` });
      }
      if (d.method === 'morris') {
        if (d.trajectories === undefined) ctx.addIssue({ code: 'custom', path: ['trajectories'], message: 'method morris needs trajectories: how many elementary-effect paths to draw' });
        if (d.levels !== undefined && d.levels % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['levels'], message: `levels must be even (the step is levels / (2 (levels - 1)) of the range), not ${d.levels}` });
      }
      if (d.candidates !== undefined && d.maximin !== true) ctx.addIssue({ code: 'custom', path: ['candidates'], message: 'candidates applies with maximin: true' });
      if (d.maximin === true && d.samples !== undefined && d.samples > MAX_MAXIMIN_SAMPLES) {
        ctx.addIssue({ code: 'custom', path: ['samples'], message: `a maximin Latin hypercube takes at most ${MAX_MAXIMIN_SAMPLES} samples (its cost grows with their square), not ${d.samples}` });
      }
      const points = designPointCount(d);
      if (points > MAX_DESIGN_POINTS) {
        ctx.addIssue({ code: 'custom', path: [d.method === 'morris' ? 'trajectories' : 'samples'], message: `the design has ${points} points, more than the ${MAX_DESIGN_POINTS} a design may have` });
      }
      const seen = new Map<string, number>();
      d.parameters.forEach((p, i) => {
        const param = (p as { param: string }).param;
        const first = seen.get(param);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['parameters', i, 'param'], message: `parameter ${param} is already at parameters[${first}]; give each parameter once` });
        else seen.set(param, i);
      });
    })
    .describe('A design of parameter points beside the grid: random, Latin hypercube, Sobol\', Saltelli or Morris, deterministic from the experiment seed (spec.sweep.seeds.base).');
}
