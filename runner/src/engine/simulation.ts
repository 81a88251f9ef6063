import { SwarmlabError } from '../errors.ts';
import type { Rng } from '../rng/index.ts';
import type { Intent, ModuleRuntime, PolicyView, RunLog, SimEvent, Sim } from '../sdk/module.ts';
import type { ModuleKind } from '../sdk/kinds.ts';
import type { Graph } from '../sdk/graph.ts';
import type { JsonObject } from '../sdk/json.ts';
import { address, entityOf, instanceOf } from '../sdk/address.ts';
import { IntentRefused } from '../sdk/events.ts';
import { EventQueue } from './event-queue.ts';
import { heapGrowth } from './heap-growth.ts';
import { findRule, sampleLatency, type LatencyRule } from './latency.ts';
import { MetricTable } from './metric-table.ts';

/** The heap is looked at every 65,536 events (heap-growth.ts). */
const HEAP_CHECK_MASK = 0xffff;

export interface Horizon {
  /** Events later than this logical time are not executed. */
  readonly time?: number;
  /** At most this many events are executed. */
  readonly events?: number;
}

export interface EngineInstance {
  readonly instance: string;
  readonly kind: ModuleKind;
  readonly runtime: ModuleRuntime;
}

export type EndReason = 'no-events' | 'horizon-time' | 'horizon-events';

export interface SimulationResult extends RunLog {
  readonly metrics: MetricTable;
  readonly endTime: number;
  readonly executed: number;
  readonly endReason: EndReason;
}

/** Sees a run as it executes: the metric columns once, then every event with the metrics row after it. */
export interface RunObserver {
  /**
   * Only the last event and the row after it are wanted: the engine then
   * computes no other row (no module's metrics() after every event; only the
   * rows computed are checked to be finite) and calls event() once, after
   * the run, if any event was executed.
   */
  readonly lastOnly?: boolean;
  begin(columns: readonly string[]): void;
  /** `metrics[offset .. offset + columns.length)` is the row after `event`; valid only during the call. */
  event(event: SimEvent, metrics: Float64Array, offset: number): void;
}

/** Event types the engine itself emits; a module may leave them unhandled. */
export const REFUSED = IntentRefused.type;

/** Where an address leads: its module's index and the entity part, parsed once per distinct address. */
interface Route {
  readonly index: number;
  readonly entity: string | undefined;
}

interface QueuedEvent extends SimEvent {
  readonly handler: ((event: SimEvent, sim: Sim) => void) | undefined;
  readonly targetIndex: number;
}

/**
 * The discrete-event core. It is the only authority over time, ordering and
 * latency: modules emit intents, policies review them, the scheduler stamps
 * them with a delivery time, and the engine dispatches each event to the one
 * module that owns the state it changes.
 */
export class Simulation {
  private readonly queue = new EventQueue<QueuedEvent>();
  private readonly byName = new Map<string, number>();
  private readonly routes = new Map<string, Route>();
  /** Per source instance, the address of each entity that has emitted: made once, so every event from it carries the same string (the trace's dictionaries then compare and hash nothing new). */
  private readonly sourceAddresses: Map<string, string>[] = [];
  private readonly sims: Sim[];
  private readonly policies: number[] = [];
  private readonly metricSources: { index: number; keys: string[] }[] = [];
  private readonly policyView: PolicyView;
  private seq = 0;
  private now = 0;
  private executed = 0;

  private readonly modules: readonly EngineInstance[];
  private readonly horizon: Horizon;
  private readonly latencyRules: readonly LatencyRule[];
  private readonly latencyRng: Rng;
  private readonly networks: ReadonlyMap<string, Graph>;

  constructor(
    modules: readonly EngineInstance[],
    horizon: Horizon,
    latencyRules: readonly LatencyRule[],
    latencyRng: Rng,
    networks: ReadonlyMap<string, Graph>,
  ) {
    this.modules = modules;
    this.horizon = horizon;
    this.latencyRules = latencyRules;
    this.latencyRng = latencyRng;
    this.networks = networks;
    modules.forEach((m, i) => {
      this.byName.set(m.instance, i);
      if (m.runtime.review) this.policies.push(i);
    });
    this.sims = modules.map((m, i) => this.bindSim(m.instance, i));
    const self = this;
    this.policyView = {
      get now() {
        return self.now;
      },
      metric: (column: string) => this.readMetric(column),
    };
  }

  private readMetric(column: string): number {
    const dot = column.indexOf('.');
    const index = this.byName.get(column.slice(0, dot));
    const value = index === undefined ? undefined : (this.modules[index] as EngineInstance).runtime.metrics?.()[column.slice(dot + 1)];
    if (typeof value !== 'number') throw new SwarmlabError('RUN_FAILED', `no module publishes metric ${column}`);
    return value;
  }

  /**
   * Runs to the end. `observer` sees each event with the metrics row after
   * it, as it happens. With `keepLog` false the events and rows are not kept
   * (the result's log is empty): a run that is written out as it goes then
   * holds no history, and its events die young instead of filling the heap.
   * A kept log has every row, whatever the observer wants.
   */
  run(observer?: RunObserver, keepLog = true): SimulationResult {
    this.modules.forEach((m, i) => m.runtime.start?.(this.sims[i] as Sim));
    const events: SimEvent[] = [];
    const columns = this.collectMetricColumns();
    const metrics = new MetricTable(columns, 1024, keepLog);
    observer?.begin(columns);
    const maxEvents = this.horizon.events ?? Number.POSITIVE_INFINITY;
    const maxTime = this.horizon.time ?? Number.POSITIVE_INFINITY;
    let endReason: EndReason = 'no-events';
    const everyRow = keepLog || observer?.lastOnly !== true;
    const eachEvent = everyRow ? observer : undefined;
    let last: QueuedEvent | undefined;

    for (;;) {
      const next = this.queue.peek();
      if (next === undefined) break;
      if (this.executed >= maxEvents) {
        endReason = 'horizon-events';
        break;
      }
      if (next.time > maxTime) {
        endReason = 'horizon-time';
        break;
      }
      this.queue.pop();
      this.now = next.time;
      if ((++this.executed & HEAP_CHECK_MASK) === 0) heapGrowth.collectIfGrown();
      // The queued event is logged as is: its dispatch fields are never serialised (the writer picks fields).
      if (keepLog) events.push(next);
      next.handler?.(next, this.sims[next.targetIndex] as Sim);
      last = next;
      if (!everyRow) continue;
      const row = this.recordMetrics(metrics);
      eachEvent?.event(next, metrics.buffer, row);
    }
    if (!everyRow && last !== undefined) observer?.event(last, metrics.buffer, this.recordMetrics(metrics));
    return { events, metrics, endTime: this.now, executed: this.executed, endReason };
  }

  private bindSim(instance: string, index: number): Sim {
    const self = this;
    return {
      get now() {
        return self.now;
      },
      get executed() {
        return self.executed;
      },
      emit(intent: Intent) {
        self.schedule(instance, index, intent);
      },
    };
  }

  private schedule(source: string, sourceIndex: number, original: Intent): void {
    let intent = original;
    const delay = intent.delay ?? 0;
    if (!(delay >= 0) || !Number.isFinite(delay)) {
      throw new SwarmlabError('RUN_FAILED', `module ${source} asked for delay ${delay}; delays must be finite and >= 0`);
    }
    for (const p of this.policies) {
      if (p === sourceIndex) continue;
      const policy = this.modules[p] as EngineInstance;
      // A policy that declared the types it reviews is not asked about others (no intent copy, no call).
      const reviews = policy.runtime.reviews;
      if (reviews !== undefined && !reviews.includes(intent.type)) continue;
      const verdict = (policy.runtime.review as NonNullable<ModuleRuntime['review']>)({ ...intent, source }, this.policyView);
      if (!verdict.allow) {
        const payload: JsonObject = {
          policy: policy.instance,
          reason: verdict.reason,
          intent: { type: intent.type, target: intent.target, payload: intent.payload ?? {} },
        };
        if (verdict.code !== undefined) payload.code = verdict.code;
        this.enqueue(REFUSED, policy.instance, this.sourceAddress(source, sourceIndex, intent.from), intent.priority ?? 0, this.now, payload);
        return;
      }
      if (verdict.intent) intent = verdict.intent;
    }
    const channel = intent.channel ?? intent.type;
    let latency = 0;
    const rule = findRule(this.latencyRules, source, channel);
    if (rule) latency = sampleLatency(rule, this.latencyRng, this.edgeWeight(intent));
    this.enqueue(
      intent.type,
      this.sourceAddress(source, sourceIndex, intent.from),
      intent.target,
      intent.priority ?? 0,
      this.now + (intent.delay ?? 0) + latency,
      intent.payload ?? {},
    );
  }

  private edgeWeight(intent: Intent): number | undefined {
    if (intent.via === undefined) return undefined;
    const graph = this.networks.get(intent.via);
    if (!graph) throw new SwarmlabError('RUN_FAILED', `intent ${intent.type} travels via unknown network ${intent.via}`);
    const route = this.route(intent.target);
    const to = route ? route.entity : entityOf(intent.target);
    const e = intent.from !== undefined && to !== undefined ? graph.edge(intent.from, to) : undefined;
    if (!e) {
      throw new SwarmlabError('RUN_FAILED', `network ${intent.via} has no edge ${intent.from} -> ${to} for intent ${intent.type}`);
    }
    return e.weight;
  }

  private sourceAddress(source: string, sourceIndex: number, from: string | undefined): string {
    if (from === undefined) return source;
    const known = (this.sourceAddresses[sourceIndex] ??= new Map());
    let a = known.get(from);
    if (a === undefined) {
      a = address(source, from);
      known.set(from, a);
    }
    return a;
  }

  /** The route of an address of a known instance; parsed once, then looked up. */
  private route(target: string): Route | undefined {
    let r = this.routes.get(target);
    if (r === undefined) {
      const index = this.byName.get(instanceOf(target));
      if (index === undefined) return undefined;
      r = { index, entity: entityOf(target) };
      this.routes.set(target, r);
    }
    return r;
  }

  private enqueue(type: string, source: string, target: string, priority: number, time: number, payload: JsonObject): void {
    const targetIndex = this.route(target)?.index;
    if (targetIndex === undefined) {
      throw new SwarmlabError('RUN_FAILED', `event ${type} from ${source} targets unknown module instance ${instanceOf(target)}`);
    }
    const handler = (this.modules[targetIndex] as EngineInstance).runtime.handle?.[type];
    if (!handler && type !== REFUSED) {
      throw new SwarmlabError('RUN_FAILED', `module ${(this.modules[targetIndex] as EngineInstance).instance} has no handler for event ${type} (sent by ${source})`);
    }
    this.queue.push({ time, priority, seq: this.seq++, type, source, target, payload, handler, targetIndex });
  }

  private collectMetricColumns(): string[] {
    const columns: string[] = [];
    this.modules.forEach((m, index) => {
      const values = m.runtime.metrics?.();
      if (!values) return;
      const keys = Object.keys(values);
      this.metricSources.push({ index, keys });
      for (const k of keys) columns.push(`${m.instance}.${k}`);
    });
    return columns;
  }

  /** Appends the metrics row after the current event; returns its offset in the table's buffer. */
  private recordMetrics(table: MetricTable): number {
    const row = table.appendRow();
    let at = row;
    for (const { index, keys } of this.metricSources) {
      const m = this.modules[index] as EngineInstance;
      const values = (m.runtime.metrics as NonNullable<ModuleRuntime['metrics']>)();
      for (const k of keys) {
        const v = values[k];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new SwarmlabError('RUN_FAILED', `module ${m.instance} reported metric ${k} = ${String(v)}; metrics must be finite numbers`);
        }
        table.set(at++, v);
      }
    }
    return row;
  }
}
