import { describe, expect, it } from 'vitest';
import { Graph } from '../../../sdk/graph.ts';
import {
  averageClustering,
  clusteringCoefficients,
  connectedComponents,
  degreeHistogram,
  largestComponentFraction,
  localClustering,
  meanDegree,
  simpleGraphViolations,
} from './stats.ts';

const undirected = (nodes: string[], pairs: [string, string][]): Graph =>
  new Graph(nodes, pairs.map(([from, to]) => ({ from, to, weight: 1 })), false);

// A triangle a-b-c with a tail c-d, plus an isolated node e.
const kite = undirected(['a', 'b', 'c', 'd', 'e'], [['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]);

describe('graph statistics', () => {
  it('mean degree and degree histogram', () => {
    expect(meanDegree(kite)).toBeCloseTo((2 * 4) / 5, 12);
    expect(degreeHistogram(kite)).toEqual([1, 1, 2, 1]);
    const directed = new Graph(['x', 'y'], [{ from: 'x', to: 'y', weight: 1 }], true);
    expect(meanDegree(directed)).toBe(0.5);
  });

  it('connected components, largest first, weakly connected for directed graphs', () => {
    const c = connectedComponents(kite);
    expect(c.count).toBe(2);
    expect(c.sizes).toEqual([4, 1]);
    expect([...c.component]).toEqual([0, 0, 0, 0, 1]);
    expect(largestComponentFraction(kite)).toBeCloseTo(0.8, 12);
    const chain = new Graph(['x', 'y', 'z'], [{ from: 'x', to: 'y', weight: 1 }, { from: 'z', to: 'y', weight: 1 }], true);
    expect(connectedComponents(chain).sizes).toEqual([3]);
  });

  it('local clustering: fraction of linked neighbour pairs, 0 below degree 2', () => {
    expect(localClustering(kite, 'a')).toBe(1);
    expect(localClustering(kite, 'c')).toBeCloseTo(1 / 3, 12);
    expect(localClustering(kite, 'd')).toBe(0);
    expect([...clusteringCoefficients(kite)]).toEqual([1, 1, localClustering(kite, 'c'), 0, 0]);
    expect(averageClustering(kite)).toBeCloseTo((1 + 1 + 1 / 3) / 5, 12);
    expect(() => localClustering(kite, 'zz')).toThrow(/unknown node/);
  });

  it('clustering ignores self-loops and repeated edges, and a complete graph has C = 1', () => {
    const messy = undirected(['a', 'b', 'c'], [['a', 'b'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['a', 'a']]);
    expect(averageClustering(messy)).toBe(1);
    expect(simpleGraphViolations(messy)).toEqual({ selfLoops: 1, repeatedEdges: 1 });
    expect(simpleGraphViolations(kite)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
  });
});
