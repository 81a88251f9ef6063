import type { z } from 'zod';
import { RngFactory } from '../rng/stream.ts';
import type { ModuleDefinition } from './module.ts';
import type { Graph } from './graph.ts';

/**
 * Builds a network module's graph outside a simulation, with the same streams a
 * run with this seed and instance name would give it: for tests, benchmarks
 * and analyses of a scenario's network.
 */
export function buildNetwork<S extends z.ZodObject>(def: ModuleDefinition<S>, config: z.input<S>, seed: number, instance = 'network'): Graph {
  if (def.kind !== 'network') throw new TypeError(`${def.name} is a ${def.kind} module, not a network`);
  const rngs = new RngFactory(seed);
  const runtime = def.create(def.config.parse(config), {
    instance,
    rng: (entity?: string) => rngs.stream(instance, entity ?? ''),
    network: (name: string) => {
      throw new Error(`network ${def.name} asked for network ${name}, which buildNetwork cannot provide`);
    },
    horizon: {},
  });
  if (!runtime.graph) throw new Error(`network module ${def.name} returned no graph`);
  return runtime.graph;
}
