import { describe, expect, it } from 'vitest';
import * as sdk from 'swarmlab/sdk';
import { Graph } from './graph.ts';
import { builtinModules } from '../modules/builtin/index.ts';

describe('swarmlab/sdk', () => {
  it('is the package subpath a third-party module imports, and the same module instance the runner uses', () => {
    // Built-in networks build Graphs from the package subpath; the engine reads them with the relative import.
    expect(sdk.Graph).toBe(Graph);
    const explicit = builtinModules.find((m) => m.name === 'explicit')!;
    const runtime = explicit.create(explicit.config.parse({ nodes: ['a', 'b'], edges: [{ from: 'a', to: 'b' }] }), {
      instance: 'net',
      rng: () => {
        throw new Error('explicit networks draw nothing');
      },
      network: () => {
        throw new Error('no networks');
      },
      horizon: {},
      input: () => {
        throw new Error('no inputs');
      },
    });
    expect(runtime.graph).toBeInstanceOf(Graph);
  });

  it('exports what a module needs (its panels in the report included) and nothing of the engine', () => {
    expect(Object.keys(sdk).sort()).toEqual(
      ['Graph', 'IntentRefused', 'ModuleKind', 'address', 'defineEvent', 'defineModule', 'intent', 'jsonObject', 'jsonValue', 'on', 'entityOf', 'expectInstance', 'expectNetwork', 'instanceOf', 'isNetwork', 'moduleFailure', 'strictObject', 'synchronousRound', 'z', 'Panel', 'groupValues', 'intervalPlot', 'pointLabel'].sort(),
    );
  });
});
