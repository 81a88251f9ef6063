import type { ModuleDefinition } from 'swarmlab/sdk';
import { explicitNetwork } from './networks/explicit.ts';
import { generatedNetworks } from './networks/index.ts';
import { queueModules } from './queue/index.ts';
import { floodModules } from './flood/index.ts';
import { governanceModules } from './governance/index.ts';
import { meshModules } from './mesh/index.ts';
import { cicdModules } from './cicd/index.ts';
import { testFunctionModules } from './test-functions/index.ts';

// zod's generics make each definition its own type; a registry stores them uniformly.
/** Every module this runner build ships, written against the SDK as a third party's would be. */
export const builtinModules = [explicitNetwork, ...generatedNetworks, ...queueModules, ...floodModules, ...governanceModules, ...meshModules, ...cicdModules, ...testFunctionModules] as unknown as readonly ModuleDefinition[];
