import { isSwarmlabError, SwarmlabError } from '../errors.ts';
import type { LatencyRule } from '../sdk/latency.ts';
import type { Experiment, ParamValue, Scenario as ScenarioType } from '../spec/experiment.ts';
import { Scenario } from '../spec/experiment.ts';
import { zodToSpecError } from '../spec/load.ts';
import { checkedPoints, checkRunCap, generatedPointCount, paramNameSource, paramSource, pointParams, searchLevels } from '../spec/plan.ts';
import type { ConfigIssue } from '../sdk/module.ts';
import { CHECK_TIME_LIMIT_MS, HOOK_TIME_LIMIT_MS, HookBudget, runModuleHook } from '../hook-guard.ts';
import type { ModuleRegistry } from './registry.ts';
import { applyParams, configPath, issuesError, missingDependency, parseModuleConfig, scenarioModules, validateModule, type ModuleSlot, type Parsed } from './resolve.ts';
import { scenarioView, type ViewRead } from './scenario-view.ts';
import { eventContractIssues } from './event-contracts.ts';
import { roundsColumn } from '../rounds/observe.ts';

export interface CheckOptions {
  /** Time limit of one module hook (validate, config schema, nodes). */
  readonly hookTimeoutMs?: number;
  /** Time limit of all module hooks of the check together. */
  readonly checkTimeoutMs?: number;
}

type Params = Readonly<Record<string, ParamValue>>;
type Setting = { readonly latency: readonly LatencyRule[]; readonly horizon: { readonly time?: number; readonly events?: number } };

/** A parameter path's target: a module instance, `latency` or `horizon`. */
const headOf = (param: string): string => param.slice(0, param.indexOf('.'));

/** A key for the parameters of `params` that touch `head`: equal keys give equal configs. */
function keyOf(params: Params, head: string): string {
  let key = '';
  for (const [p, v] of Object.entries(params)) if (headOf(p) === head) key += `${p}=${JSON.stringify(v)}\u0000`;
  return key;
}

function subset(params: Params, keep: (param: string) => boolean): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(params).filter(([p]) => keep(p)));
}

/**
 * The results of an instance's validate for one set of parts it read, by
 * the keys those parts had: a hook gives the same answer whenever what it
 * read is the same, so one map lookup per point finds it.
 */
interface ReadGroup {
  readonly signature: string;
  readonly reads: readonly ViewRead[];
  readonly results: Map<string, readonly ConfigIssue[]>;
}

const readId = (r: ViewRead): string => (typeof r === 'string' ? r : 'config' in r ? `c:${r.config}` : `n:${r.nodes}`);
const readInstance = (r: ViewRead): string => (typeof r === 'string' ? r : 'config' in r ? r.config : r.nodes);

/**
 * Everything that can be checked before any run starts: the run cap, every
 * module, every parameter path, and every module config the sweep produces,
 * parsed and validated against the rest of the scenario. Each distinct
 * config is parsed once, and each validate hook runs once per distinct
 * combination of its config and what it read, so a large grid whose axes
 * each touch one module costs about its number of points in key building.
 * Errors name spec paths; one caused by a sweep value names that value.
 */
export function validateExperiment(exp: Experiment, registry: ModuleRegistry, opts: CheckOptions = {}): void {
  const budget = new HookBudget(opts.hookTimeoutMs ?? HOOK_TIME_LIMIT_MS, opts.checkTimeoutMs ?? CHECK_TIME_LIMIT_MS);
  const { sweep, scenario } = exp.spec;
  checkRunCap(sweep);
  const slots = scenarioModules(scenario, registry);
  const names = new Set(slots.map((s) => s.instance));
  const slotOf = new Map(slots.map((s) => [s.instance, s]));
  checkParamPaths(exp);
  checkRoundsColumn(exp, slots);

  const parsedCache = new Map<string, Parsed & { readonly missing?: ConfigIssue }>();
  const settingCache = new Map<string, Setting>();
  const nodesCache = new Map<string, string>();
  const validated = new Map<string, ReadGroup[]>();
  const contractCache = new Map<string, readonly ConfigIssue[]>();

  /** Parses an instance's config at a point (cached by the parameters that touch it). */
  const parsed = (slot: ModuleSlot, params: Params, key: string): Parsed & { readonly missing?: ConfigIssue } => {
    const id = `${slot.instance}\u0000${key}`;
    let hit = parsedCache.get(id);
    if (!hit) {
      const raw = applyParams(scenario, subset(params, (p) => headOf(p) === slot.instance)).modules[slot.index]!.config;
      const r = parseModuleConfig(slot, raw, budget);
      hit = 'config' in r ? { ...r, missing: missingDependency(slot, r.config, names) } : r;
      parsedCache.set(id, hit);
    }
    return hit;
  };
  const setting = (params: Params, key: string, pointIndex: number): Setting => {
    let hit = settingCache.get(key);
    if (!hit) {
      const touched = subset(params, (p) => headOf(p) === 'latency' || headOf(p) === 'horizon');
      const r = Scenario.safeParse(applyParams(scenario, touched));
      if (!r.success) {
        const err = zodToSpecError(r.error, '<spec>', ['spec', 'scenario']);
        const culprit = Object.keys(touched)[0];
        throw culprit === undefined ? err : new SwarmlabError('INVALID_SPEC', `${err.path}: ${err.message}`, { path: paramSource(sweep, pointIndex, culprit) });
      }
      hit = { latency: r.data.latency as LatencyRule[], horizon: r.data.horizon };
      settingCache.set(key, hit);
    }
    return hit;
  };

  for (const p of checkedPoints(sweep)) {
    const params = pointParams(sweep, p);
    const keys = new Map<string, string>();
    for (const head of new Set(Object.keys(params).map(headOf))) keys.set(head, keyOf(params, head));
    const keyFor = (head: string): string => keys.get(head) ?? '';
    const set = setting(params, `${keyFor('latency')}\u0001${keyFor('horizon')}`, p);

    const configs = new Map<string, Record<string, unknown>>();
    for (const slot of slots) {
      const r = parsed(slot, params, keyFor(slot.instance));
      if ('issues' in r) throw blame(exp, slot, r.issues, p, params, new Set([slot.instance]), (q) => stillFails(exp, slot, q, r.issues[0]!, registry, budget, 'parse'));
      configs.set(slot.instance, r.config);
    }
    const nodesKey = (name: string): string => {
      const id = `${name}\u0000${keyFor(name)}`;
      let hit = nodesCache.get(id);
      if (hit === undefined) {
        const slot = slotOf.get(name)!;
        const n = runModuleHook(name, `${slot.path}.config`, 'nodes', () => slot.def.nodes?.(configs.get(name)!), budget);
        hit = n === undefined ? 'undeclared' : typeof n === 'number' ? String(n) : JSON.stringify(n);
        nodesCache.set(id, hit);
      }
      return hit;
    };
    const current = (read: ViewRead): string => {
      if (read === 'latency') return keyFor('latency');
      if (read === 'horizon') return keyFor('horizon');
      return 'config' in read ? keyFor(read.config) : nodesKey(read.nodes);
    };

    for (const slot of slots) {
      if (!slot.def.validate) continue;
      const id = `${slot.instance}\u0000${keyFor(slot.instance)}`;
      const groups = validated.get(id) ?? [];
      let issues: readonly ConfigIssue[] | undefined;
      let group: ReadGroup | undefined;
      for (const g of groups) {
        issues = g.results.get(g.reads.map(current).join('\u0001'));
        if (issues) {
          group = g;
          break;
        }
      }
      if (!issues) {
        const reads = new Map<string, ViewRead>();
        const view = scenarioView(
          {
            modules: slots,
            config: (name) => configs.get(name)!,
            nodes: (name) => slotOf.get(name)!.def.nodes?.(configs.get(name)!),
            latency: () => set.latency,
            horizon: () => set.horizon,
          },
          slot.instance,
          (read) => reads.set(readId(read), read),
        );
        issues = validateModule(slot, configs.get(slot.instance)!, view, budget);
        const signature = [...reads.keys()].join('\u0001');
        group = groups.find((g) => g.signature === signature);
        if (!group) {
          group = { signature, reads: [...reads.values()], results: new Map() };
          groups.push(group);
          validated.set(id, groups);
        }
        group.results.set(group.reads.map(current).join('\u0001'), issues);
      }
      if (issues.length) {
        const read = new Set<string>([slot.instance, ...group!.reads.map(readInstance)]);
        const first = issues[0]!;
        throw blame(exp, slot, issues, p, params, read, (q) => stillFails(exp, slot, q, first, registry, budget, 'validate'));
      }
    }
    // After the hooks, which name the field that refers to a missing instance more precisely.
    for (const slot of slots) {
      const r = parsed(slot, params, keyFor(slot.instance));
      if ('missing' in r && r.missing) throw blame(exp, slot, [r.missing], p, params, new Set([slot.instance]), (q) => stillFails(exp, slot, q, r.missing!, registry, budget, 'parse'));
    }
    // Events sent to instances that do not handle them; the answer depends on the sender's config alone.
    for (const slot of slots) {
      if (!slot.def.events?.emits?.length) continue;
      const id = `${slot.instance}\u0000${keyFor(slot.instance)}`;
      let issues = contractCache.get(id);
      if (!issues) {
        issues = eventContractIssues(slot, configs.get(slot.instance)!, slots);
        contractCache.set(id, issues);
      }
      // Only the sender's own field can cause it, so blame looks no further than the sweep values that set that field.
      if (issues.length) throw blame(exp, slot, issues, p, params, new Set([slot.instance]), () => true);
    }
  }
}

/** The column an adaptive sweep decides by names an instance of the scenario, and a metric its module publishes (when it declares them). */
function checkRoundsColumn(exp: Experiment, slots: readonly ModuleSlot[]): void {
  const column = roundsColumn(exp);
  if (column === undefined) return;
  const path = exp.spec.sweep.replication !== undefined ? 'spec.sweep.replication.metric' : 'spec.sweep.breakingPoint.criterion.metric';
  const [group, instance = '', ...rest] = column.split('.');
  const slot = slots.find((s) => s.instance === instance);
  if (slot === undefined) {
    throw new SwarmlabError('INVALID_SPEC', `${column} names instance ${instance}, which the scenario does not have`, { path, hint: `instances: ${slots.map((s) => s.instance).join(', ')}` });
  }
  const published = slot.def.publishes?.metrics;
  const key = rest.join('.');
  if (group === 'metric' && published !== undefined && !(key in published)) {
    throw new SwarmlabError('INVALID_SPEC', `${instance} (${slot.def.name}) publishes no metric ${key}`, { path, hint: `its metrics: ${Object.keys(published).map((m) => `metric.${instance}.${m}`).join(', ')}` });
  }
}

/** Every parameter path of the sweep names something the scenario has; the error names the path's place in the sweep. */
function checkParamPaths(exp: Experiment): void {
  const { sweep, scenario } = exp.spec;
  const tried = new Set<string>();
  const check = (param: string, value: ParamValue, where: string): void => {
    if (tried.has(param)) return;
    tried.add(param);
    try {
      applyParams(scenario, { [param]: value });
    } catch (e) {
      if (isSwarmlabError(e)) throw new SwarmlabError(e.code, e.message, { path: where, ...(e.hint ? { hint: e.hint } : {}) });
      throw e;
    }
  };
  sweep.grid.forEach((axis, a) => check(axis.param, axis.values[0]!, `spec.sweep.grid[${a}].param`));
  sweep.design?.parameters.forEach((p, k) => check(p.param, p.values?.[0] ?? p.min!, `spec.sweep.design.parameters[${k}].param`));
  if (sweep.breakingPoint !== undefined) check(sweep.breakingPoint.parameter, sweep.breakingPoint.range.min, 'spec.sweep.breakingPoint.parameter');
  const generated = generatedPointCount(sweep);
  // A breaking-point search's run matrix has every level of its parameter at each explicit point.
  const levels = sweep.breakingPoint === undefined ? 1 : searchLevels(sweep.breakingPoint);
  sweep.points.forEach((point, j) => {
    for (const [param, value] of Object.entries(point)) check(param, value, paramNameSource(sweep, (generated + j) * levels, param));
  });
}

/**
 * Whether instance `slot` still has the problem `issue` (same field) with
 * parameters `params`: parse mode re-runs its schema and dependsOn, validate
 * mode resolves the whole point. A point that fails elsewhere counts as failing.
 */
function stillFails(exp: Experiment, slot: ModuleSlot, params: Params, issue: ConfigIssue, registry: ModuleRegistry, budget: HookBudget, mode: 'parse' | 'validate'): boolean {
  const samePath = (i: ConfigIssue): boolean => i.path.length === issue.path.length && i.path.every((k, n) => k === issue.path[n]);
  let applied: ScenarioType;
  try {
    applied = applyParams(exp.spec.scenario, params);
  } catch {
    return true;
  }
  const raw = applied.modules[slot.index]!.config;
  if (mode === 'parse') {
    const r = parseModuleConfig(slot, raw, budget);
    if ('issues' in r) return r.issues.some(samePath);
    const names = new Set(applied.modules.map((m) => m.name ?? m.module));
    return missingDependency(slot, r.config, names) !== undefined;
  }
  const slots = scenarioModules(applied, registry);
  const configs = new Map<string, Record<string, unknown>>();
  for (const s of slots) {
    const r = parseModuleConfig(s, applied.modules[s.index]!.config, budget);
    if ('issues' in r) return true;
    configs.set(s.instance, r.config);
  }
  const reparsed = Scenario.safeParse(applied);
  if (!reparsed.success) return true;
  const view = scenarioView(
    {
      modules: slots,
      config: (name) => configs.get(name)!,
      nodes: (name) => slots.find((s) => s.instance === name)!.def.nodes?.(configs.get(name)!),
      latency: () => reparsed.data.latency as LatencyRule[],
      horizon: () => reparsed.data.horizon,
    },
    slot.instance,
  );
  return validateModule(slot, configs.get(slot.instance)!, view, budget).some(samePath);
}

/**
 * The error for an instance's issues at a point. When a sweep value caused
 * it, its path is that value (`spec.sweep.grid[0].values[2]`) and the message
 * names the module field; otherwise the path is the module field.
 * `read` holds what the check depended on: the sweep values that touch it
 * are the suspects, and the one whose removal clears the problem is named.
 */
function blame(exp: Experiment, slot: ModuleSlot, issues: readonly ConfigIssue[], pointIndex: number, params: Params, read: ReadonlySet<string>, fails: (params: Params) => boolean): SwarmlabError {
  const first = issues[0]!;
  const field = configPath(slot, first.path);
  const suspects = Object.keys(params).filter((p) => read.has(headOf(p)));
  const own = `${slot.instance}.${first.path.join('.')}`;
  let culprit = suspects.find((p) => p === own || own.startsWith(`${p}.`) || p.startsWith(`${own}.`));
  culprit ??= suspects.find((p) => !fails(subset(params, (q) => q !== p)));
  if (culprit === undefined && suspects.length > 0 && !fails(subset(params, (q) => !suspects.includes(q)))) culprit = suspects[0];
  if (culprit === undefined) return issuesError(slot, issues, field);
  const note = ` (at ${field}, with sweep value ${culprit} = ${JSON.stringify(params[culprit])})`;
  return issuesError(slot, issues, paramSource(exp.spec.sweep, pointIndex, culprit), note);
}
