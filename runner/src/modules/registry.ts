import type { ModuleDefinition } from '../sdk/module.ts';
import type { ModuleKind } from '../sdk/kinds.ts';

/** The static set of modules a runner build knows. Nothing is imported from a string in a spec. */
export class ModuleRegistry {
  private readonly defs = new Map<string, ModuleDefinition>();

  constructor(defs: readonly ModuleDefinition[]) {
    for (const d of defs) {
      const key = `${d.kind}/${d.name}`;
      if (this.defs.has(key)) throw new Error(`module ${key} registered twice`);
      this.defs.set(key, d);
    }
  }

  get(kind: ModuleKind, name: string): ModuleDefinition | undefined {
    return this.defs.get(`${kind}/${name}`);
  }

  list(): ModuleDefinition[] {
    return [...this.defs.values()].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind.localeCompare(b.kind)));
  }

  names(kind: ModuleKind): string[] {
    return this.list()
      .filter((d) => d.kind === kind)
      .map((d) => d.name);
  }
}
