import { describe, expect, it } from 'vitest';
import { SwarmlabError } from '../errors.ts';
import { parseExperiment } from './load.ts';
import { repeatedGridParams, sweepDuplicateWarnings } from './sweep-duplicates.ts';

describe('sweepDuplicateWarnings', () => {
  it('names each repeated seed and grid value with its path and first occurrence', () => {
    const warnings = sweepDuplicateWarnings({
      seeds: { list: [3, 7, 3, 3] },
      grid: [
        { param: 'a.x', values: [1, 2, 1.0, '1', true] },
        { param: 'a.y', values: ['u', 'v', 'u', true, true] },
      ],
    });
    expect(warnings.map((w) => w.path)).toEqual([
      'spec.sweep.seeds.list[2]',
      'spec.sweep.seeds.list[3]',
      'spec.sweep.grid[0].values[2]',
      'spec.sweep.grid[1].values[2]',
      'spec.sweep.grid[1].values[4]',
    ]);
    expect(warnings[0]!.message).toBe('seed 3 is also at seeds.list[0]: its runs repeat identical ones');
    expect(warnings[3]!.message).toContain('value "u" of a.y is also at values[0]');
  });

  it('is empty for distinct seeds and values, and for replicas', () => {
    expect(sweepDuplicateWarnings({ seeds: { list: [1, 2] }, grid: [{ param: 'a.x', values: [1, '1', true] }] })).toEqual([]);
    expect(sweepDuplicateWarnings({ seeds: {}, grid: [] })).toEqual([]);
  });
});

describe('a grid naming one parameter twice', () => {
  it('repeatedGridParams finds the later axis', () => {
    expect(repeatedGridParams([
      { param: 'a.x', values: [1] },
      { param: 'a.y', values: [1] },
      { param: 'a.x', values: [2] },
    ])).toEqual([{ index: 2, first: 0, param: 'a.x' }]);
  });

  it('is refused as INVALID_SPEC at spec.sweep.grid[i].param', () => {
    const doc = {
      apiVersion: 'swarmlab.io/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'dup' },
      spec: {
        scenario: { modules: [{ kind: 'agent', module: 'm' }], horizon: { events: 1 } },
        sweep: { grid: [{ param: 'm.rate', values: [1, 2] }, { param: 'm.rate', values: [3] }] },
      },
    };
    let error: unknown;
    try {
      parseExperiment(doc);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SwarmlabError);
    expect((error as SwarmlabError).code).toBe('INVALID_SPEC');
    expect((error as SwarmlabError).path).toBe('spec.sweep.grid[1].param');
    expect((error as SwarmlabError).message).toMatch(/m\.rate is already swept by grid\[0\]/);
  });
});
