import { IntentRefused } from '../sdk/events.ts';
import type { ConfigIssue, ModuleRuntime } from '../sdk/module.ts';
import type { ModuleSlot } from './resolve.ts';

/** The instance names a config field holds: one name or a list of names; anything else names none. */
function namesIn(value: unknown): { name: string; at: readonly number[] }[] {
  if (typeof value === 'string') return [{ name: value, at: [] }];
  if (Array.isArray(value)) return value.flatMap((v, i) => (typeof v === 'string' ? [{ name: v, at: [i] }] : []));
  return [];
}

/**
 * Every event `slot` declares it emits to another instance must be one that
 * instance's module declares it handles. A target missing from the scenario is
 * the validate hook's to report, and a module that declares no events cannot
 * be checked; both are skipped here.
 */
export function eventContractIssues(slot: ModuleSlot, config: Readonly<Record<string, unknown>>, slots: readonly ModuleSlot[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { event, to } of slot.def.events?.emits ?? []) {
    if (to === 'self' || event.type === IntentRefused.type) continue;
    for (const { name, at } of namesIn(config[to])) {
      const target = slots.find((s) => s.instance === name);
      const handles = target?.def.events?.handles;
      if (!target || !handles || handles.some((h) => h.type === event.type)) continue;
      issues.push({
        path: [to, ...at],
        message: `sends event ${event.type} to ${name}, ${target.kind === 'agent' ? 'an' : 'a'} ${target.kind} of module ${target.def.name}, which does not handle it`,
        hint: `${target.def.name} handles: ${handles.map((h) => h.type).join(', ') || 'no events'}; point ${to} at an instance that handles ${event.type}`,
      });
    }
  }
  return issues;
}

/** The event types a module declares it handles but its runtime has no handler for. */
export function missingHandlers(slot: Pick<ModuleSlot, 'def'>, runtime: ModuleRuntime): string[] {
  return (slot.def.events?.handles ?? []).map((h) => h.type).filter((t) => t !== IntentRefused.type && !runtime.handle?.[t]);
}
