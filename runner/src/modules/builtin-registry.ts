import { ModuleRegistry } from './registry.ts';
import { builtinModules } from './builtin/index.ts';

/** The registry of the built-in modules alone. */
export const builtinRegistry = new ModuleRegistry(builtinModules);
