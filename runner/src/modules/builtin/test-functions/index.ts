import { defineModule, z } from 'swarmlab/sdk';
import { gFunction, ishigami } from './functions.ts';

/** Most inputs a test function takes (x1..x16). */
const MAX_INPUTS = 16;
const inputs = Object.fromEntries(
  Array.from({ length: MAX_INPUTS }, (_, i) => [`x${i + 1}`, z.number().optional().describe(`Input ${i + 1} (ishigami: x1..x3 on [-π, π], default 0; g-function: x1..x<coefficients> on [0, 1], default 0.5).`)]),
) as Record<`x${number}`, z.ZodOptional<z.ZodNumber>>;

/** The inputs the configured function reads. */
function inputCount(config: { function: 'ishigami' | 'g-function'; coefficients: readonly number[] }): number {
  return config.function === 'ishigami' ? 3 : config.coefficients.length;
}

/**
 * A function with known sensitivity indices, evaluated once at time 0: the
 * check of the designs and of `swarmlab analyze` against the truth
 * (functions.ts has the analytic indices). Optional Gaussian noise, from the
 * run's own stream, makes replicas differ.
 */
export const testFunction = defineModule({
  kind: 'agent',
  name: 'test-function',
  version: '1.0.0',
  description: "Evaluates the Ishigami function or Sobol's g-function at its inputs (x1, x2, ...) once, as metric y: a model whose Sobol' indices are known.",
  publishes: { metrics: { y: 'The function at the inputs, plus the noise.' } },
  config: z
    .object({
      function: z.enum(['ishigami', 'g-function']).default('ishigami').describe('ishigami: sin x1 + a sin² x2 + b x3⁴ sin x1; g-function: ∏ (|4 x_i - 2| + a_i) / (1 + a_i).'),
      a: z.number().default(7).describe('ishigami: the coefficient a.'),
      b: z.number().default(0.1).describe('ishigami: the coefficient b.'),
      coefficients: z.array(z.number().min(0)).min(1).max(MAX_INPUTS).default([0, 1, 4.5, 9, 99, 99, 99, 99]).describe('g-function: a_i of each input, one per input.'),
      noise: z.number().min(0).default(0).describe('Standard deviation of Gaussian noise added to y.'),
      ...inputs,
    })
    .strict(),
  validate(config) {
    const count = inputCount(config);
    const beyond = Object.keys(config).filter((k) => /^x\d+$/.test(k) && Number(k.slice(1)) > count);
    const takes = config.function === 'ishigami' ? 'x1, x2 and x3' : `x1..x${count}, one per coefficient`;
    return beyond.map((k) => ({ path: [k], message: `the ${config.function} function takes ${takes}; ${k} would be ignored` }));
  },
  create(config, ctx) {
    const fallback = config.function === 'ishigami' ? 0 : 0.5;
    const x = Array.from({ length: inputCount(config) }, (_, i) => ((config as Record<string, unknown>)[`x${i + 1}`] as number | undefined) ?? fallback);
    const exact = config.function === 'ishigami' ? ishigami(x, config.a, config.b) : gFunction(x, config.coefficients);
    const y = config.noise > 0 ? exact + ctx.rng('noise').normal(0, config.noise) : exact;
    return {
      start(sim) {
        sim.emit({ type: 'evaluate', target: ctx.instance, delay: 0 });
      },
      // The run's one event: the metrics row after it records y.
      handle: { evaluate() {} },
      metrics: () => ({ y }),
    };
  },
});

export const testFunctionModules = [testFunction];
