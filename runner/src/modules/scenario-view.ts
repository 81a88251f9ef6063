import type { LatencyRule } from '../sdk/latency.ts';
import type { InstanceView, ModuleDefinition, NetworkView, ScenarioView } from '../sdk/module.ts';
import type { ModuleKind } from '../sdk/kinds.ts';

/** A part of the scenario a validate hook read: what its result may depend on. */
export type ViewRead = { readonly config: string } | { readonly nodes: string } | 'latency' | 'horizon';

/** Where a view gets the scenario at one point from; configs are parsed on demand. */
export interface ViewSource {
  readonly modules: readonly { readonly instance: string; readonly kind: ModuleKind; readonly def: ModuleDefinition }[];
  config(instance: string): Record<string, unknown>;
  /** A network's declared nodes (its module's nodes() hook); undefined when the module declares none. */
  nodes(instance: string): number | readonly string[] | undefined;
  readonly latency: () => readonly LatencyRule[];
  readonly horizon: () => { readonly time?: number; readonly events?: number };
}

const idSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const canonicalIndex = /^(0|[1-9][0-9]*)$/;

/** Whether a declared node list or count (ids "0".."n-1") holds id. */
export function declaresNode(nodes: number | readonly string[], id: string): boolean {
  if (typeof nodes === 'number') return canonicalIndex.test(id) && Number(id) < nodes;
  let set = idSets.get(nodes);
  if (!set) {
    set = new Set(nodes);
    idSets.set(nodes, set);
  }
  return set.has(id);
}

/** The ScenarioView a validate hook gets; every read is reported to `onRead`. */
export function scenarioView(src: ViewSource, self: string, onRead: (read: ViewRead) => void = () => {}): ScenarioView {
  const byName = new Map(src.modules.map((m) => [m.instance, m]));
  const instances: InstanceView[] = src.modules.map((m) => {
    const metrics = m.def.publishes?.metrics;
    return { instance: m.instance, kind: m.kind, module: m.def.name, ...(metrics !== undefined ? { metrics: Object.keys(metrics) } : {}) };
  });
  const views = new Map(instances.map((v) => [v.instance, v]));
  return {
    self: views.get(self)!,
    instances,
    instance: (name) => views.get(name),
    config(name) {
      if (!byName.has(name)) return undefined;
      onRead({ config: name });
      return src.config(name);
    },
    network(name): NetworkView | undefined {
      const m = byName.get(name);
      if (!m || m.kind !== 'network') return undefined;
      const nodes = (): number | readonly string[] | undefined => {
        onRead({ nodes: name });
        return src.nodes(name);
      };
      const hasNode = (id: string): boolean | undefined => {
        const declared = nodes();
        return declared === undefined ? undefined : declaresNode(declared, id);
      };
      return {
        instance: name,
        module: m.def.name,
        get size() {
          const declared = nodes();
          return declared === undefined ? undefined : typeof declared === 'number' ? declared : declared.length;
        },
        get nodeIds() {
          const declared = nodes();
          return typeof declared === 'number' ? Array.from({ length: declared }, (_, i) => String(i)) : declared;
        },
        hasNode,
        hasEdge(from, to) {
          if (hasNode(from) === false || hasNode(to) === false) return false;
          if (!m.def.edge) return undefined;
          onRead({ config: name });
          return m.def.edge(src.config(name), from, to);
        },
      };
    },
    get latency() {
      onRead('latency');
      return src.latency();
    },
    get horizon() {
      onRead('horizon');
      return src.horizon();
    },
  };
}
