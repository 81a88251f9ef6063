import { ModuleRegistry, BUILTIN_PACKAGE } from './registry.ts';
import { builtinModules } from './builtin/index.ts';
import { RUNNER_VERSION } from '../version.ts';

/** The registry of the built-in modules alone. */
export const builtinRegistry = new ModuleRegistry(builtinModules, { package: BUILTIN_PACKAGE, version: RUNNER_VERSION });
