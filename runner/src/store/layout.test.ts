import { describe, expect, it } from 'vitest';
import { ExperimentLayout, ResultsLayout } from './layout.ts';

describe('store layout', () => {
  const exp = new ExperimentLayout('sweep', 'ab'.repeat(32));

  it('puts an experiment under its name and the first 16 hex of its digest', () => {
    expect(exp.root).toBe('sweep/abababababababab');
    expect(exp.runRecord('run-000001')).toBe('sweep/abababababababab/runs/run-000001/run.json');
    expect(exp.runFile('run-000001', 'metrics.csv')).toBe('sweep/abababababababab/runs/run-000001/metrics.csv');
    expect(exp.provenance('run-000001')).toBe('sweep/abababababababab/provenance/run-000001.json');
    expect(exp.manifest).toBe('sweep/abababababababab/manifest.json');
    expect(exp.runsPrefix).toBe('sweep/abababababababab/runs/');
  });

  it('a store opened at the result set itself has keys without a leading slash', () => {
    const here = new ResultsLayout('');
    expect(here.manifest).toBe('manifest.json');
    expect(here.runRecord('run-000002')).toBe('runs/run-000002/run.json');
    expect(here.runsPrefix).toBe('runs/');
  });

  it('recognises only its own run records', () => {
    expect(exp.runIdOfRecord('sweep/abababababababab/runs/run-000007/run.json')).toBe('run-000007');
    expect(exp.runIdOfRecord('sweep/abababababababab/runs/run-000007/metrics.csv')).toBeUndefined();
    expect(exp.runIdOfRecord('other/abababababababab/runs/run-000007/run.json')).toBeUndefined();
    expect(exp.runIdOfRecord('sweep/abababababababab/runs/x/y/run.json')).toBeUndefined();
  });
});
