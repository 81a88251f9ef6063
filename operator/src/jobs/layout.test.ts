import { describe, expect, it } from 'vitest';
import { MAX_RUNS_PER_POD, parseExperiment } from 'swarmlab';
import { blockRuns, DEFAULT_MAX_RUNS_PER_POD, indexesToRuns, jobParts, MAX_INDEXED_COMPLETIONS, MAX_JOBS_PER_EXPERIMENT, runsPerPodFor, type JobPart } from './layout.ts';

function experiment(execution: Record<string, unknown> = {}) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'e' },
    spec: { scenario: { modules: [{ kind: 'network', module: 'complete' }], horizon: { time: 10 } }, execution },
  });
}

/** Every run of every index of every part, in order. */
function runsCovered(parts: readonly JobPart[]): number[] {
  const out: number[] = [];
  for (const p of parts) {
    for (let i = 0; i < p.indexes; i++) {
      const [s, e] = blockRuns(p, i);
      for (let r = s; r <= e; r++) out.push(r);
    }
  }
  return out;
}

describe('runsPerPodFor (the block size of a new Job generation)', () => {
  it('takes spec.execution.runsPerPod as given', () => {
    expect(runsPerPodFor(experiment({ runsPerPod: 250 }), 12, 10)).toBe(250);
    expect(runsPerPodFor(experiment({ runsPerPod: 1 }), 10_000_000, 10)).toBe(1);
  });

  it('unset: runs / (parallelism x 4), at least 1 and at most 1000', () => {
    // Small sweeps keep one run a pod.
    expect(runsPerPodFor(experiment(), 12, 10)).toBe(1);
    expect(runsPerPodFor(experiment(), 79, 10)).toBe(1);
    expect(runsPerPodFor(experiment(), 80, 10)).toBe(2);
    // spec.execution.parallelism before the operator's default.
    expect(runsPerPodFor(experiment({ parallelism: 2 }), 10_000, 10)).toBe(1000);
    expect(runsPerPodFor(experiment({ parallelism: 50 }), 10_000, 10)).toBe(50);
    expect(runsPerPodFor(experiment(), 100_000, 10)).toBe(DEFAULT_MAX_RUNS_PER_POD);
    expect(runsPerPodFor(experiment(), 10_000_000, 10)).toBe(DEFAULT_MAX_RUNS_PER_POD);
  });

  it('the spec refuses a block larger than MAX_RUNS_PER_POD, or empty, naming the field', () => {
    const pathOf = (runsPerPod: number): unknown => {
      try {
        experiment({ runsPerPod });
        return undefined;
      } catch (e) {
        return (e as { path?: string }).path;
      }
    };
    expect(pathOf(MAX_RUNS_PER_POD + 1)).toBe('spec.execution.runsPerPod');
    expect(pathOf(0)).toBe('spec.execution.runsPerPod');
    expect(pathOf(MAX_RUNS_PER_POD)).toBeUndefined();
  });
});

describe('jobParts with blocks of runs', () => {
  it('each index holds runsPerPod runs, the sweep\'s last index the rest', () => {
    expect(jobParts(10, 100, 4)).toEqual([{ part: 0, parts: 1, offset: 0, size: 10, runsPerPod: 4, indexes: 3 }]);
    const [p] = jobParts(10, 100, 4);
    expect([0, 1, 2].map((i) => blockRuns(p!, i))).toEqual([
      [0, 3],
      [4, 7],
      [8, 9],
    ]);
  });

  it('a split sweep: each Job holds maxIndexesPerJob whole blocks, so no block spans two Jobs', () => {
    const parts = jobParts(23, 2, 5);
    expect(parts.map((p) => [p.offset, p.size, p.indexes])).toEqual([
      [0, 10, 2],
      [10, 10, 2],
      [20, 3, 1],
    ]);
    expect(blockRuns(parts[1]!, 1)).toEqual([15, 19]);
    expect(blockRuns(parts[2]!, 0)).toEqual([20, 22]);
  });

  it('covers every run exactly once, in order, whatever the split and the block size', () => {
    for (const [total, perJob, block] of [
      [1, 1, 1],
      [12, 5, 1],
      [12, 5, 3],
      [97, 4, 7],
      [100, 100, 100],
      [101, 3, 10],
      [1_000, 7, 13],
    ] as const) {
      const parts = jobParts(total, perJob, block);
      expect(runsCovered(parts), `${total} runs, ${perJob} indexes a Job, ${block} a pod`).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(parts.every((p) => p.indexes <= perJob)).toBe(true);
    }
  });

  it('a 10,000,000-run sweep: one Job at the default block size, at most 100 Jobs at one run a pod', () => {
    const total = 10_000_000;
    const byDefault = jobParts(total, MAX_INDEXED_COMPLETIONS, runsPerPodFor(experiment(), total, 10));
    expect(byDefault).toEqual([{ part: 0, parts: 1, offset: 0, size: total, runsPerPod: 1000, indexes: 10_000 }]);
    expect(jobParts(total, MAX_INDEXED_COMPLETIONS, 100)).toHaveLength(1);
    expect(jobParts(total, MAX_INDEXED_COMPLETIONS, 1)).toHaveLength(MAX_JOBS_PER_EXPERIMENT);
  });
});

describe('indexesToRuns', () => {
  const part = { offset: 20, size: 23, runsPerPod: 5 };

  it('maps completion index intervals to the global runs of their blocks, the last block cut at the part\'s end', () => {
    expect(indexesToRuns(part, [[0, 0]])).toEqual([[20, 24]]);
    expect(indexesToRuns(part, [[1, 2], [4, 4]])).toEqual([[25, 34], [40, 42]]);
  });

  it('drops indexes past the part\'s end, and is the identity shifted by the offset at one run a pod', () => {
    expect(indexesToRuns(part, [[5, 9]])).toEqual([]);
    expect(indexesToRuns({ offset: 7, size: 10, runsPerPod: 1 }, [[0, 2], [5, 5]])).toEqual([[7, 9], [12, 12]]);
  });
});
