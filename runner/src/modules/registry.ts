import { SwarmlabError } from '../errors.ts';
import { sha256 } from '../spec/canonical.ts';
import type { ModuleDefinition } from '../sdk/module.ts';
import type { ModuleKind } from '../sdk/kinds.ts';

/** Where a module comes from: its package, and the file the runner loaded it from (plugins). */
export interface ModuleSource {
  readonly package: string;
  readonly version: string;
  /** The file the runner imported; absent for the built-in modules. */
  readonly file?: string;
  /** sha256 of the package's code (plugins/code-digest.ts): recorded by every run, compared on resume. */
  readonly digest: string;
}

export interface RegisteredModule {
  readonly def: ModuleDefinition;
  readonly source: ModuleSource;
}

/** The runner's own package: the source of the built-in modules. */
export const BUILTIN_PACKAGE = 'swarmlab';

/**
 * The set of modules a runner knows: the built-in ones and the plugins its
 * runner configuration names. Nothing is imported from a string in a spec.
 */
export class ModuleRegistry {
  private readonly entries = new Map<string, RegisteredModule>();

  /** `source` defaults to an unversioned swarmlab whose code digest is that of no code (registries built in tests). */
  constructor(defs: readonly ModuleDefinition[], source: ModuleSource = { package: BUILTIN_PACKAGE, version: '0.0.0', digest: sha256('[]') }) {
    for (const def of defs) this.add({ def, source });
  }

  /** A registry with these modules added; a kind/name that is taken is an error naming both packages. */
  with(modules: readonly RegisteredModule[]): ModuleRegistry {
    const out = new ModuleRegistry([]);
    for (const m of this.entries.values()) out.add(m);
    for (const m of modules) out.add(m);
    return out;
  }

  private add(m: RegisteredModule): void {
    const key = `${m.def.kind}/${m.def.name}`;
    const taken = this.entries.get(key);
    if (taken) {
      throw new SwarmlabError('INVALID_MODULE', `${m.def.kind} module ${m.def.name} of package ${describeSource(m.source)} clashes with ${m.def.kind} module ${m.def.name} of package ${describeSource(taken.source)}`, {
        hint: 'module names are unique per kind: rename one of them, or load only one of the packages',
      });
    }
    this.entries.set(key, m);
  }

  /** The loaded packages (not the built-in one), once each, in load order: what a worker process loads to have the same modules. */
  plugins(): (ModuleSource & { readonly file: string })[] {
    const byFile = new Map<string, ModuleSource & { readonly file: string }>();
    for (const { source } of this.entries.values()) if (source.file !== undefined && !byFile.has(source.file)) byFile.set(source.file, { ...source, file: source.file });
    return [...byFile.values()];
  }

  get(kind: ModuleKind, name: string): ModuleDefinition | undefined {
    return this.entries.get(`${kind}/${name}`)?.def;
  }

  /** The module with its source. */
  entry(kind: ModuleKind, name: string): RegisteredModule | undefined {
    return this.entries.get(`${kind}/${name}`);
  }

  /** Every module with its source, by kind then name. */
  modules(): RegisteredModule[] {
    return [...this.entries.values()].sort((a, b) => (a.def.kind === b.def.kind ? a.def.name.localeCompare(b.def.name) : a.def.kind.localeCompare(b.def.kind)));
  }

  list(): ModuleDefinition[] {
    return this.modules().map((m) => m.def);
  }

  names(kind: ModuleKind): string[] {
    return this.list()
      .filter((d) => d.kind === kind)
      .map((d) => d.name);
  }
}

/** `name@version (file)`, for messages. */
export function describeSource(s: ModuleSource): string {
  return `${s.package}@${s.version}${s.file ? ` (${s.file})` : ''}`;
}
