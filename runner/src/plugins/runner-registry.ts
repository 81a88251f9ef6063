import { builtinRegistry } from '../modules/builtin-registry.ts';
import type { ModuleRegistry, ModuleSource } from '../modules/registry.ts';
import { importModules, resolveModuleSource } from './load.ts';
import { configuredModules, type ConfigLookup } from './runner-config.ts';

/** A loaded package, as worker processes get it to load the same modules. */
export type PluginSource = ModuleSource & { readonly file: string };

/** The built-in modules plus the packages loaded from `sources`, each imported once. */
export async function registryOf(sources: readonly PluginSource[]): Promise<ModuleRegistry> {
  if (sources.length === 0) return builtinRegistry;
  const loaded = [];
  for (const s of sources) loaded.push(...(await importModules(s)));
  return builtinRegistry.with(loaded);
}

/** The packages the runner configuration names, resolved to files; a package named twice loads once. */
export function configuredSources(lookup: ConfigLookup): PluginSource[] {
  const byFile = new Map<string, PluginSource>();
  for (const spec of configuredModules(lookup)) {
    const s = resolveModuleSource(spec);
    if (!byFile.has(s.file)) byFile.set(s.file, s);
  }
  return [...byFile.values()];
}

/** The registry for a command: the built-in modules and the plugins of the runner configuration. */
export async function loadRegistry(lookup: Partial<ConfigLookup> = {}): Promise<ModuleRegistry> {
  return registryOf(configuredSources({ cwd: lookup.cwd ?? process.cwd(), env: lookup.env ?? process.env, ...(lookup.experimentFile ? { experimentFile: lookup.experimentFile } : {}) }));
}
