import semver from 'semver';
import { z } from 'zod';
import { formatPath, SwarmlabError } from '../errors.ts';
import type { ModuleRef, ParamValue, Scenario as ScenarioType } from '../spec/experiment.ts';
import { Scenario } from '../spec/experiment.ts';
import { zodToSpecError } from '../spec/load.ts';
import { closestKey, unknownKeysMessage } from '../spec/strict-object.ts';
import type { LatencyRule } from '../sdk/latency.ts';
import type { ConfigIssue, ModuleDefinition, ScenarioView } from '../sdk/module.ts';
import type { ModuleKind } from '../sdk/kinds.ts';
import { runModuleHook, type HookBudget } from '../hook-guard.ts';
import { scenarioView } from './scenario-view.ts';
import { eventContractIssues } from './event-contracts.ts';
import type { ModuleRegistry } from './registry.ts';

/** Instances are created networks first, then policies, then the agents that use both. */
const creationRank: Readonly<Record<ModuleKind, number>> = { network: 0, policy: 1, agent: 2 };

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

/** One module instance of the scenario, looked up in the registry; its config is parsed per parameter point. */
export interface ModuleSlot {
  readonly index: number;
  readonly instance: string;
  readonly kind: ModuleKind;
  readonly def: ModuleDefinition;
  /** `spec.scenario.modules[i]`. */
  readonly path: string;
}

/** Looks every instance up and checks names and versions: what no parameter can change. */
export function scenarioModules(sc: ScenarioType, registry: ModuleRegistry): ModuleSlot[] {
  const seen = new Set<string>();
  return sc.modules.map((ref, index) => {
    const path = `spec.scenario.modules[${index}]`;
    const instance = instanceName(ref);
    if (seen.has(instance)) {
      throw new SwarmlabError('INVALID_SPEC', `instance name ${instance} is used twice`, { path: `${path}.name`, hint: 'give each instance a unique name' });
    }
    seen.add(instance);
    const def = registry.get(ref.kind, ref.module);
    if (!def) {
      const known = registry.names(ref.kind);
      const guess = closestKey(ref.module, known);
      throw new SwarmlabError('UNKNOWN_MODULE', `unknown ${ref.kind} module ${ref.module}`, {
        path: `${path}.module`,
        hint: `${guess ? `did you mean ${guess}? ` : ''}known ${ref.kind} modules: ${known.join(', ') || 'none'}; a module from a package needs the runner configuration (swarmlab.config.yaml) to load it`,
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
    return { index, instance, kind: ref.kind, def, path };
  });
}

export type Parsed = { readonly config: Record<string, unknown> } | { readonly issues: readonly ConfigIssue[] };

/** Runs an instance's config schema on its raw config (module code: under the hook time limit). */
export function parseModuleConfig(slot: ModuleSlot, raw: unknown, timeoutMs?: number | HookBudget): Parsed {
  const r = runModuleHook(slot.instance, `${slot.path}.config`, 'its config schema', () => slot.def.config.safeParse(raw), timeoutMs);
  if (r.success) return { config: r.data as Record<string, unknown> };
  // An unknown key is reported at its own path, as in the rest of the spec.
  return {
    issues: r.error.issues.map((i) => {
      const path = i.path.filter((k) => typeof k !== 'symbol');
      if (i.code !== 'unrecognized_keys' || i.keys.length === 0) return { path, message: i.message };
      // Whatever object schema a module used, an unknown key's message lists the valid ones.
      const valid = objectKeysAt(slot.def.config, path);
      return { path: [...path, i.keys[0]!], message: valid && !i.message.includes('valid keys') ? unknownKeysMessage(i.keys, valid) : i.message };
    }),
  };
}

/** The keys of the object schema at `path` in a config schema (through defaults, optionals and arrays); undefined when there is none. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let s: z.ZodType = schema;
  for (let i = 0; ; i++) {
    while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    if (i === path.length) return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
    const k = path[i];
    if (s instanceof z.ZodObject && typeof k === 'string') s = (s.shape as Record<string, z.ZodType>)[k] ?? z.never();
    else if (s instanceof z.ZodArray && typeof k === 'number') s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return undefined;
  }
}

/** The instances this one names in dependsOn that the scenario lacks, as one issue; undefined when all exist. */
export function missingDependency(slot: ModuleSlot, config: Record<string, unknown>, names: ReadonlySet<string>): ConfigIssue | undefined {
  // dependsOn only lists names from the config; it runs outside the vm, whose watchdog costs more than the call.
  const deps = slot.def.dependsOn?.(config) ?? [];
  const missing = deps.find((d) => !names.has(d));
  if (missing === undefined) return undefined;
  return { path: [], message: `needs module instance ${missing}, which the scenario does not have`, hint: `instances: ${[...names].join(', ')}` };
}

/** Runs an instance's validate hook; what it returns must be a list of issues. */
export function validateModule(slot: ModuleSlot, config: Record<string, unknown>, view: ScenarioView, timeoutMs?: number | HookBudget): readonly ConfigIssue[] {
  const validate = slot.def.validate;
  if (!validate) return [];
  const issues = runModuleHook(slot.instance, `${slot.path}.config`, 'validate', () => validate(config, view), timeoutMs);
  if (!Array.isArray(issues)) {
    throw new SwarmlabError('INVALID_MODULE_CONFIG', `module instance ${slot.instance}: validate returned ${typeof issues}, not a list of issues`, { path: `${slot.path}.config` });
  }
  return issues;
}

/** The spec path of an issue in an instance's own config. */
export function configPath(slot: ModuleSlot, issuePath: readonly PropertyKey[]): string {
  return formatPath([`${slot.path}.config`, ...issuePath]);
}

/** One error for an instance's issues: the first in full, the rest counted and listed. */
export function issuesError(slot: ModuleSlot, issues: readonly ConfigIssue[], path: string, note = ''): SwarmlabError {
  const [first, ...rest] = issues as [ConfigIssue, ...ConfigIssue[]];
  const more = rest.length ? `; and ${rest.length} more: ${rest.map((i) => `${configPath(slot, i.path)}: ${i.message}`).join('; ')}` : '';
  return new SwarmlabError('INVALID_MODULE_CONFIG', `${slot.instance}: ${first.message}${note}${more}`, { path, ...(first.hint ? { hint: first.hint } : {}) });
}

/**
 * Resolves one parameter point: parses every module config, checks
 * dependencies and runs every validate hook, and orders instances for
 * creation. Errors name spec paths in the scenario; validateExperiment
 * checks a whole sweep and names the sweep values that cause an error.
 */
export function resolveScenario(
  scenario: ScenarioType,
  params: Readonly<Record<string, ParamValue>>,
  registry: ModuleRegistry,
  timeoutMs: number = Infinity,
): ResolvedScenario {
  const applied = applyParams(scenario, params);
  const reparsed = Scenario.safeParse(applied);
  if (!reparsed.success) throw zodToSpecError(reparsed.error, '<spec>', ['spec', 'scenario']);
  const sc = reparsed.data;
  const slots = scenarioModules(sc, registry);
  const names = new Set(slots.map((s) => s.instance));
  const paramNote = Object.keys(params).length ? ` (with parameters ${JSON.stringify(params)})` : '';

  const resolved = slots.map((slot) => {
    const parsed = parseModuleConfig(slot, sc.modules[slot.index]!.config, timeoutMs);
    if ('issues' in parsed) throw issuesError(slot, parsed.issues, configPath(slot, parsed.issues[0]!.path), paramNote);
    return { slot, config: parsed.config };
  });
  const configs = new Map(resolved.map((r) => [r.slot.instance, r.config]));
  const source = {
    modules: slots,
    config: (name: string) => configs.get(name)!,
    nodes: (name: string) => {
      const slot = slots.find((s) => s.instance === name)!;
      return runModuleHook(name, `${slot.path}.config`, 'nodes', () => slot.def.nodes?.(configs.get(name)!), timeoutMs);
    },
    latency: () => sc.latency as LatencyRule[],
    horizon: () => sc.horizon,
  };
  for (const { slot, config } of resolved) {
    const issues = validateModule(slot, config, scenarioView(source, slot.instance), timeoutMs);
    if (issues.length) throw issuesError(slot, issues, configPath(slot, issues[0]!.path), paramNote);
  }
  // After the hooks, which name the field that refers to a missing instance more precisely.
  for (const { slot, config } of resolved) {
    const missing = missingDependency(slot, config, names);
    if (missing) throw issuesError(slot, [missing], configPath(slot, missing.path), paramNote);
  }
  for (const { slot, config } of resolved) {
    const mismatched = eventContractIssues(slot, config, slots);
    if (mismatched.length) throw issuesError(slot, mismatched, configPath(slot, mismatched[0]!.path), paramNote);
  }

  const modules = resolved.map(({ slot, config }) => ({
    instance: slot.instance,
    kind: slot.kind,
    def: slot.def,
    config,
    deps: slot.def.dependsOn?.(config) ?? [],
  }));
  return { modules: creationOrder(modules), latency: sc.latency as LatencyRule[], horizon: sc.horizon };
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
