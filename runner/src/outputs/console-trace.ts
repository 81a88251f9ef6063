import type { SimEvent } from '../sdk/module.ts';

// The console trace of one run, as the infrastructure stress simulator
// printed it: for every executed event its logical time, type and source
// (and target and payload), then the state of every module after it, one
// line per instance, from the run's stored event log and metrics.

/** Metric columns (`instance.key`) grouped by instance, in column order. */
export interface StateLayout {
  readonly instances: readonly { readonly instance: string; readonly keys: readonly { readonly key: string; readonly column: number }[] }[];
}

export function stateLayout(metrics: readonly string[]): StateLayout {
  const byInstance = new Map<string, { key: string; column: number }[]>();
  metrics.forEach((name, column) => {
    const dot = name.indexOf('.');
    const instance = dot < 0 ? name : name.slice(0, dot);
    const list = byInstance.get(instance) ?? [];
    list.push({ key: dot < 0 ? name : name.slice(dot + 1), column });
    byInstance.set(instance, list);
  });
  return { instances: [...byInstance].map(([instance, keys]) => ({ instance, keys })) };
}

/** A value as the trace prints it: six significant digits, integers as they are. */
export function traceNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** The lines of one event: the event, then each instance's state after it. */
export function traceBlock(event: SimEvent, values: readonly number[], layout: StateLayout): string {
  const payload = Object.keys(event.payload).length === 0 ? '' : ` ${JSON.stringify(event.payload)}`;
  const lines = [`t=${traceNumber(event.time)} #${event.seq} ${event.type} from ${event.source} to ${event.target}${payload}`];
  const width = Math.max(0, ...layout.instances.map((i) => i.instance.length));
  for (const { instance, keys } of layout.instances) {
    lines.push(`  ${instance.padEnd(width)}  ${keys.map(({ key, column }) => `${key}=${traceNumber(values[column] as number)}`).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
