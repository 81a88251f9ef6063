import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SwarmlabError } from '../../../errors.ts';
import { builtinRegistry } from '../../builtin-registry.ts';
import { resolveScenario } from '../../resolve.ts';
import { buildNetwork } from 'swarmlab/sdk/testing';
import { generatedNetworks } from './index.ts';

describe('generated network modules', () => {
  it('are registered as network modules; the three whose n became size are at 2.0.0', () => {
    const versions = { 'erdos-renyi': '2.0.0', 'watts-strogatz': '2.0.0', 'barabasi-albert': '2.0.0', 'grid-2d': '1.0.0' };
    for (const [name, version] of Object.entries(versions)) {
      const def = builtinRegistry.get('network', name);
      expect(def?.kind).toBe('network');
      expect(def?.version).toBe(version);
    }
  });

  it('describe every config field, reject unknown keys, and default the edge weight to 1', () => {
    for (const def of generatedNetworks) {
      for (const [key, field] of Object.entries(def.config.shape)) {
        expect(z.globalRegistry.get(field)?.description, `${def.name}.${key}`).toBeTruthy();
      }
      expect((def.config.shape.weight as z.ZodType).parse(undefined)).toBe(1);
    }
  });

  it('a bad config fails scenario resolution with the spec field path', () => {
    const scenario = (config: Record<string, unknown>) => ({
      modules: [{ kind: 'network' as const, module: 'watts-strogatz', name: 'net', config }],
      latency: [],
      horizon: { events: 10 },
    });
    const failure = (config: Record<string, unknown>, params: Record<string, number> = {}): SwarmlabError => {
      try {
        resolveScenario(scenario(config), params, builtinRegistry);
      } catch (e) {
        if (e instanceof SwarmlabError) return e;
        throw e;
      }
      throw new Error('resolution succeeded');
    };
    expect(() => resolveScenario(scenario({ size: 100, k: 4 }), {}, builtinRegistry)).not.toThrow();
    const odd = failure({ size: 100, k: 5 });
    expect(odd.code).toBe('INVALID_MODULE_CONFIG');
    expect(odd.path).toBe('spec.scenario.modules[0].config.k');
    expect(odd.message).toMatch(/even/);
    // A swept parameter that makes the config invalid is caught the same way.
    expect(failure({ size: 100, k: 4 }, { 'net.beta': 2 }).path).toBe('spec.scenario.modules[0].config.beta');
  });

  it('refuses the old key n (YAML 1.1 reads it as false) with a hint naming size', () => {
    for (const module of ['erdos-renyi', 'watts-strogatz', 'barabasi-albert']) {
      const scenario = { modules: [{ kind: 'network' as const, module, name: 'net', config: { n: 10, p: 0.1 } }], latency: [], horizon: { events: 10 } };
      let error: unknown;
      try {
        resolveScenario(scenario, {}, builtinRegistry);
      } catch (e) {
        error = e;
      }
      expect(error, module).toBeInstanceOf(SwarmlabError);
      const e = error as SwarmlabError;
      expect(e.code).toBe('INVALID_MODULE_CONFIG');
      expect(e.path).toBe('spec.scenario.modules[0].config.n');
      expect(e.message).toContain('n was renamed to size');
    }
  });
});

describe('network modules declare their nodes without building the graph', () => {
  it('nodes() gives the built graph\'s node count or ids', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['erdos-renyi', { size: 30, p: 0.1 }],
      ['watts-strogatz', { size: 30, k: 4 }],
      ['barabasi-albert', { size: 30, m: 2 }],
      ['grid-2d', { width: 4, height: 5 }],
      ['explicit', { nodes: ['a', 'b', 'c'], edges: [{ from: 'a', to: 'b' }] }],
    ];
    for (const [name, config] of cases) {
      const def = builtinRegistry.get('network', name)!;
      const built = buildNetwork(def, config, 1);
      const declared = def.nodes?.(def.config.parse(config));
      expect(typeof declared === 'number' ? Array.from({ length: declared }, (_, i) => String(i)) : declared, name).toEqual(built.nodes);
    }
  });
});
