import { describe, expect, it } from 'vitest';
import { Graph } from './graph.ts';

describe('Graph', () => {
  it('lists undirected neighbours in edge order from both ends, with predecessors equal to neighbours', () => {
    const g = new Graph(['a', 'b', 'c'], [
      { from: 'a', to: 'b', weight: 1 },
      { from: 'c', to: 'a', weight: 2 },
      { from: 'b', to: 'b', weight: 3 },
    ], false);
    expect(g.neighbors('a')).toEqual(['b', 'c']);
    expect(g.neighbors('b')).toEqual(['a', 'b', 'b']);
    expect(g.predecessors('a')).toEqual(['b', 'c']);
    expect(g.degree('c')).toBe(1);
    expect(g.edge('a', 'c')?.weight).toBe(2);
    expect(g.edge('c', 'a')?.weight).toBe(2);
    expect(g.edge('b', 'c')).toBeUndefined();
  });

  it('keeps direction for directed graphs, and the last of duplicate edges wins in edge()', () => {
    const g = new Graph(['a', 'b'], [
      { from: 'a', to: 'b', weight: 1 },
      { from: 'a', to: 'b', weight: 5 },
    ], true);
    expect(g.neighbors('a')).toEqual(['b', 'b']);
    expect(g.neighbors('b')).toEqual([]);
    expect(g.predecessors('b')).toEqual(['a', 'a']);
    expect(g.edge('a', 'b')?.weight).toBe(5);
    expect(g.edge('b', 'a')).toBeUndefined();
  });

  it('rejects duplicate node ids and edges to unknown nodes', () => {
    expect(() => new Graph(['a', 'a'], [], false)).toThrow(/duplicate node id/);
    expect(() => new Graph(['a'], [{ from: 'a', to: 'z', weight: 1 }], false)).toThrow(/unknown node/);
  });
});
