import semver from 'semver';
import { SwarmlabError } from '../errors.ts';
import type { Experiment, ModuleRef, ParamValue, Scenario as ScenarioType } from '../spec/experiment.ts';
import { Scenario } from '../spec/experiment.ts';
import { zodToSpecError } from '../spec/load.ts';
import { pointCount, pointParams, checkRunCap } from '../spec/plan.ts';
import type { LatencyRule } from '../engine/latency.ts';
import type { ModuleDefinition, ModuleKind } from './api.ts';
import { creationRank } from './api.ts';
import type { ModuleRegistry } from './registry.ts';

export interface ResolvedModule {
  readonly instance: string;
  readonly kind: ModuleKind;
  readonly def: ModuleDefinition;
  /** The config after the module's schema applied its defaults. */
  readonly config: Record<string, unknown>;
}

export interface ResolvedScenario {
  /** In creation order: dependencies first, then networks, policies, agents, then by instance name. */
  readonly modules: readonly ResolvedModule[];
  readonly latency: readonly LatencyRule[];
  readonly horizon: { readonly time?: number; readonly events?: number };
}

export function instanceName(ref: ModuleRef): string {
  return ref.name ?? ref.module;
}

/** Applies one point's parameters to a copy of the scenario. */
export function applyParams(scenario: ScenarioType, params: Readonly<Record<string, ParamValue>>): ScenarioType {
  const out = structuredClone(scenario);
  for (const [path, value] of Object.entries(params)) {
    const [head, ...rest] = path.split('.');
    const fail = (why: string): never => {
      throw new SwarmlabError('INVALID_SPEC', `parameter ${path}: ${why}`, { path: 'spec.sweep', hint: 'a parameter path is <module instance>.<config key>, latency.<rule>.<field> or horizon.time|events' });
    };
    if (head === 'horizon') {
      if (rest.length !== 1 || (rest[0] !== 'time' && rest[0] !== 'events')) fail('horizon takes time or events');
      (out.horizon as Record<string, unknown>)[rest[0]!] = value;
    } else if (head === 'latency') {
      const rule = out.latency.find((r) => r.name === rest[0]);
      if (!rule || rest.length !== 2) fail(`no latency rule named ${String(rest[0])}`);
      (rule as unknown as Record<string, unknown>)[rest[1]!] = value;
    } else {
      const mod = out.modules.find((m) => instanceName(m) === head);
      if (!mod) fail(`no module instance named ${String(head)} (instances: ${out.modules.map(instanceName).join(', ')})`);
      setPath(mod!.config, rest, value);
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = target;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) {
      node[k] = value;
      return;
    }
    const next = node[k];
    if (next === undefined) node[k] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new SwarmlabError('INVALID_SPEC', `cannot set ${keys.join('.')}: ${keys.slice(0, i + 1).join('.')} is not an object`, { path: 'spec.sweep' });
    }
    node = node[k] as Record<string, unknown>;
  });
}

/** Looks every module up, checks versions, parses configs, and orders instances for creation. */
export function resolveScenario(
  scenario: ScenarioType,
  params: Readonly<Record<string, ParamValue>>,
  registry: ModuleRegistry,
): ResolvedScenario {
  const applied = applyParams(scenario, params);
  const reparsed = Scenario.safeParse(applied);
  if (!reparsed.success) throw zodToSpecError(reparsed.error, '<spec>', ['spec', 'scenario']);
  const sc = reparsed.data;

  const seen = new Set<string>();
  const resolved: (ResolvedModule & { deps: readonly string[] })[] = sc.modules.map((ref, i) => {
    const path = `spec.scenario.modules[${i}]`;
    const instance = instanceName(ref);
    if (seen.has(instance)) {
      throw new SwarmlabError('INVALID_SPEC', `instance name ${instance} is used twice`, { path: `${path}.name`, hint: 'give each instance a unique name' });
    }
    seen.add(instance);
    const def = registry.get(ref.kind, ref.module);
    if (!def) {
      throw new SwarmlabError('UNKNOWN_MODULE', `unknown ${ref.kind} module ${ref.module}`, {
        path: `${path}.module`,
        hint: `known ${ref.kind} modules: ${registry.names(ref.kind).join(', ') || 'none'}`,
      });
    }
    if (ref.version !== undefined) {
      if (semver.validRange(ref.version) === null) {
        throw new SwarmlabError('INVALID_SPEC', `version ${JSON.stringify(ref.version)} is not a semver range`, { path: `${path}.version` });
      }
      if (!semver.satisfies(def.version, ref.version)) {
        throw new SwarmlabError('INVALID_MODULE_CONFIG', `module ${ref.module} is version ${def.version}, which does not satisfy ${ref.version}`, { path: `${path}.version` });
      }
    }
    const parsed = def.config.safeParse(ref.config);
    const paramNote = Object.keys(params).length ? ` (with parameters ${JSON.stringify(params)})` : '';
    if (!parsed.success) {
      const err = zodToSpecError(parsed.error, '<spec>', ['spec', 'scenario', 'modules', i, 'config'], 'INVALID_MODULE_CONFIG');
      throw new SwarmlabError('INVALID_MODULE_CONFIG', `${err.message}${paramNote}`, { path: err.path });
    }
    const config = parsed.data as Record<string, unknown>;
    const deps = def.dependsOn?.(config) ?? [];
    return { instance, kind: ref.kind, def, config, deps };
  });

  for (const [i, m] of resolved.entries()) {
    for (const d of m.deps) {
      if (!seen.has(d)) {
        throw new SwarmlabError('INVALID_MODULE_CONFIG', `${m.instance} needs module instance ${d}, which the scenario does not have`, { path: `spec.scenario.modules[${i}].config` });
      }
    }
  }

  return { modules: creationOrder(resolved), latency: sc.latency as LatencyRule[], horizon: sc.horizon };
}

function creationOrder<T extends { instance: string; kind: ModuleKind; deps: readonly string[] }>(mods: readonly T[]): T[] {
  const rank = (m: T) => creationRank[m.kind];
  const pending = [...mods].sort((a, b) => rank(a) - rank(b) || (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  const done = new Set<string>();
  const out: T[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((m) => m.deps.every((d) => done.has(d)));
    if (i < 0) {
      throw new SwarmlabError('INVALID_SPEC', `module dependencies form a cycle among: ${pending.map((m) => m.instance).join(', ')}`, { path: 'spec.scenario.modules' });
    }
    const [m] = pending.splice(i, 1);
    out.push(m!);
    done.add(m!.instance);
  }
  return out;
}

/**
 * Everything that can be checked before any run starts: the run cap, every
 * module, and every parameter point's configs.
 */
export function validateExperiment(exp: Experiment, registry: ModuleRegistry): void {
  checkRunCap(exp.spec.sweep);
  const n = pointCount(exp.spec.sweep);
  for (let p = 0; p < n; p++) resolveScenario(exp.spec.scenario, pointParams(exp.spec.sweep, p), registry);
}
