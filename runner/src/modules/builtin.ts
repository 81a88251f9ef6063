import type { ModuleDefinition } from './api.ts';
import { ModuleRegistry } from './registry.ts';
import { explicitNetwork } from './networks/explicit.ts';
import { generatedNetworks } from './networks/index.ts';
import { queueModules } from '../models/queue/index.ts';
import { floodModules } from '../models/flood/index.ts';
import { governanceModules } from '../models/governance/index.ts';
import { meshModules } from '../models/mesh/index.ts';
import { cicdModules } from '../models/cicd/index.ts';

// zod's generics make each definition its own type; the registry stores them uniformly.
const all = [explicitNetwork, ...generatedNetworks, ...queueModules, ...floodModules, ...governanceModules, ...meshModules, ...cicdModules] as unknown as ModuleDefinition[];

/** Every module this runner build ships. */
export const builtinRegistry = new ModuleRegistry(all);
