import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { validateExperiment } from '../../../modules/check-sweep.ts';
import { executeRun } from '../../../run/execute.ts';
import { parseExperiment } from '../../../spec/load.ts';
import { planRun } from '../../../spec/plan.ts';
import { gFunction, gFunctionIndices, ishigami, ishigamiIndices } from './functions.ts';

function spec(config: Record<string, unknown>, sweep: Record<string, unknown> = {}) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 't' },
    spec: { scenario: { modules: [{ kind: 'agent', module: 'test-function', name: 'f', config }], horizon: { time: 1 } }, sweep },
  });
}

describe('test functions', () => {
  it('evaluate to the textbook values', () => {
    expect(ishigami([Math.PI / 2, Math.PI / 2, 1], 7, 0.1)).toBeCloseTo(1 + 7 + 0.1, 12);
    expect(ishigami([0, 0, 3], 7, 0.1)).toBe(0);
    expect(gFunction([0.5, 0.25], [0, 1])).toBe(0);
    expect(gFunction([0.25, 0.25], [1, 1])).toBe(1);
    expect(gFunction([0, 1], [0, 1])).toBe(2 * 1.5);
  });

  it('have indices that add up: first orders within the total, total orders at least the first', () => {
    for (const k of [ishigamiIndices(7, 0.1), ishigamiIndices(5, 0.3), gFunctionIndices([0, 1, 4.5, 9, 99, 99, 99, 99]), gFunctionIndices([0, 0])]) {
      const sum = k.first.reduce((s, v) => s + v, 0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-12);
      k.first.forEach((s, i) => expect(k.total[i]!).toBeGreaterThanOrEqual(s - 1e-12));
    }
    // Two inputs of a = 0: V_i = 1/3, V = (4/3)² - 1 = 7/9, so S1 = 3/7 each.
    expect(gFunctionIndices([0, 0]).first[0]).toBeCloseTo(3 / 7, 12);
  });
});

describe('the test-function module', () => {
  it('reports the function at its inputs as final metric y, plus noise from the run stream when asked', () => {
    const exp = spec({ function: 'ishigami', x1: 1, x2: 2, x3: 3 });
    const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
    expect(out.summary.final_metrics['f.y']).toBeCloseTo(ishigami([1, 2, 3], 7, 0.1), 12);
    const g = spec({ function: 'g-function', coefficients: [0, 9], x1: 0.1 });
    expect(executeRun(g, planRun(g, 0), builtinRegistry).summary.final_metrics['f.y']).toBeCloseTo(gFunction([0.1, 0.5], [0, 9]), 12);
    const noisy = spec({ x1: 1, noise: 0.5 }, { seeds: { replicas: 2 } });
    const ys = [0, 1].map((i) => executeRun(noisy, planRun(noisy, i), builtinRegistry).summary.final_metrics['f.y']);
    expect(ys[0]).not.toBe(ys[1]);
    expect(executeRun(noisy, planRun(noisy, 0), builtinRegistry).summary.final_metrics['f.y']).toBe(ys[0]);
  });

  it('refuses an input the function does not read', () => {
    expect(() => validateExperiment(spec({ function: 'ishigami', x4: 1 }), builtinRegistry)).toThrow(/takes x1, x2 and x3; x4 would be ignored/);
    expect(() => validateExperiment(spec({ function: 'g-function', coefficients: [1, 2], x3: 0.2 }), builtinRegistry)).toThrow(/x1..x2, one per coefficient/);
  });
});
