import type { z } from 'zod';
import { RngFactory } from '../rng/stream.ts';
import type { Intent, ModuleDefinition, ModuleRuntime, Sim, SimEvent, Verdict } from './module.ts';
import type { JsonObject } from './json.ts';
import type { Graph } from './graph.ts';
import { address } from './address.ts';
import { parseExperiment, parseExperimentText } from '../spec/load.ts';
import { plan } from '../spec/plan.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import { executeRun } from '../run/execute.ts';
import { sha256 } from '../spec/canonical.ts';
import type { Summary } from '../outputs/schemas.ts';
import { withTextTrace } from '../testing/text-trace.ts';

// The test helper for module authors (`swarmlab/sdk/testing`): one module
// instance, created as a run creates it, fed events by hand, with no
// Experiment file, no engine and no store. What it emits is recorded, not
// delivered: the test plays the rest of the scenario.

export interface HarnessOptions<S extends z.ZodObject> {
  /** The module's config before its schema applies defaults (as written in a spec). */
  readonly config?: z.input<S>;
  /** The run seed: the module draws exactly what it would draw in a run with this seed. Default 1. */
  readonly seed?: number;
  /** Instance name (it also keys the random streams). Default: the module's name. */
  readonly instance?: string;
  /** Networks the module may ask for with ctx.network(name). */
  readonly networks?: Readonly<Record<string, Graph>>;
  readonly horizon?: { readonly time?: number; readonly events?: number };
  /** The texts ctx.input(name) returns, by input name (what a run fetches from the store for the module's inputs()). */
  readonly inputs?: Readonly<Record<string, string>>;
}

/** An intent the module emitted, and the logical time it emitted it at. */
export interface Emitted {
  readonly time: number;
  readonly intent: Intent;
}

export interface DeliverOptions {
  /** Logical time of the event; not before the last one. Default: the current time. */
  readonly at?: number;
  /** Who sent it (`instance` or `instance/entity`). Default `test`. */
  readonly source?: string;
  /** The entity inside the module the event is for (an agent id): target `instance/entity`. */
  readonly entity?: string;
  readonly priority?: number;
}

export interface ReviewOptions {
  /** Logical time of the review; not before the last event. Default: the current time. */
  readonly at?: number;
  /** The instance that emitted the intent. Default `test`. */
  readonly source?: string;
  /** Values the policy reads with view.metric(`instance.key`); any other column throws, as in a run. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** One module instance under test. */
export class ModuleHarness<S extends z.ZodObject = z.ZodObject> {
  /** The config after the module's schema applied its defaults. */
  readonly config: z.output<S>;
  readonly runtime: ModuleRuntime;
  readonly instance: string;
  private readonly sent: Emitted[] = [];
  private time = 0;
  private count = 0;
  private readonly sim: Sim;

  constructor(def: ModuleDefinition<S>, opts: HarnessOptions<S> = {}) {
    const instance = opts.instance ?? def.name;
    const rngs = new RngFactory(opts.seed ?? 1);
    const networks = opts.networks ?? {};
    this.instance = instance;
    this.config = def.config.parse(opts.config ?? {}) as z.output<S>;
    this.runtime = def.create(this.config, {
      instance,
      rng: (entity?: string) => rngs.stream(instance, entity ?? ''),
      network: (name: string) => {
        const g = networks[name];
        if (!g) throw new Error(`${instance} asked for network ${name}; pass it in the harness options (networks: { ${name}: graph })`);
        return g;
      },
      horizon: opts.horizon ?? {},
      input: (name: string) => {
        const text = opts.inputs?.[name];
        if (text === undefined) throw new Error(`${instance} asked for input ${name}; pass it in the harness options (inputs: { ${name}: text })`);
        return text;
      },
    });
    const self = this;
    this.sim = {
      get now() {
        return self.time;
      },
      get executed() {
        return self.count;
      },
      emit(intent: Intent) {
        self.sent.push({ time: self.time, intent });
      },
    };
  }

  /** Logical time of the last event delivered. */
  get now(): number {
    return this.time;
  }

  /** Every intent emitted so far, in order. */
  get emitted(): readonly Emitted[] {
    return this.sent;
  }

  /** The intents emitted since the last call, and forgets them. */
  takeEmitted(): Emitted[] {
    return this.sent.splice(0);
  }

  /** Moves the clock to `at` (logical time never goes back); returns the time. */
  private advance(at: number | undefined, what: string): number {
    if (at === undefined) return this.time;
    if (!(at >= this.time)) throw new Error(`${what} at time ${at} is before the current time ${this.time}: logical time never goes back`);
    this.time = at;
    return at;
  }

  /** Calls start(), as a run does at time 0. */
  start(): this {
    this.runtime.start?.(this.sim);
    return this;
  }

  /** Delivers one event of `type` to the module's handler, as the engine would. */
  deliver(type: string, payload: JsonObject = {}, opts: DeliverOptions = {}): this {
    const handler = this.runtime.handle?.[type];
    if (!handler) throw new Error(`module ${this.instance} has no handler for event ${type}`);
    const at = this.advance(opts.at, `event ${type}`);
    const event: SimEvent = { time: at, priority: opts.priority ?? 0, seq: this.count, type, source: opts.source ?? 'test', target: address(this.instance, opts.entity), payload };
    this.count++;
    handler(event, this.sim);
    return this;
  }

  /** A policy's verdict on an intent at the current time. */
  review(intent: Intent, opts: ReviewOptions = {}): Verdict {
    const review = this.runtime.review;
    if (!review) throw new Error(`module ${this.instance} reviews no intents (it is not a policy)`);
    const metrics = opts.metrics ?? {};
    this.advance(opts.at, `review of ${intent.type}`);
    return review({ ...intent, source: opts.source ?? 'test' }, {
      now: this.time,
      metric: (column: string) => {
        const v = metrics[column];
        if (v === undefined) throw new Error(`no module publishes metric ${column} (pass it in review options: metrics)`);
        return v;
      },
    });
  }

  /** The module's metric values now. */
  metrics(): Readonly<Record<string, number>> {
    return this.runtime.metrics?.() ?? {};
  }

  /** What the module would write to summary.json now. */
  summary(): JsonObject | undefined {
    return this.runtime.summary?.();
  }

  /** network modules: the graph they built. */
  get graph(): Graph | undefined {
    return this.runtime.graph;
  }
}

/** Creates one instance of `def` with a config and a seed, for a test to drive. */
export function testModule<S extends z.ZodObject>(def: ModuleDefinition<S>, opts: HarnessOptions<S> = {}): ModuleHarness<S> {
  return new ModuleHarness(def, opts);
}

/**
 * Builds a network module's graph outside a simulation, with the same streams a
 * run with this seed and instance name would give it: for tests, benchmarks
 * and analyses of a scenario's network.
 */
export function buildNetwork<S extends z.ZodObject>(def: ModuleDefinition<S>, config: z.input<S>, seed: number, instance = 'network'): Graph {
  if (def.kind !== 'network') throw new TypeError(`${def.name} is a ${def.kind} module, not a network`);
  const graph = new ModuleHarness(def, { config, seed, instance }).graph;
  if (!graph) throw new Error(`network module ${def.name} returned no graph`);
  return graph;
}

export interface ScenarioRun {
  readonly index: number;
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** summary.json of the run: final metrics, and each module's summary under `results`. */
  readonly summary: Summary;
  /** Every file of the run (events.jsonl, metrics.csv, summary.json and the modules' own), as text: the trace is written as text whatever the spec's format. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Runs every run of an Experiment (YAML text or an object) in memory, with
 * `modules` added to the built-in ones as a runner configuration would add
 * them: checked at plan time like `swarmlab plan`, no store, no files.
 */
export function runScenario(experiment: string | object, modules: readonly ModuleDefinition[] = []): ScenarioRun[] {
  // The files are given as text, so the trace is written as text whatever the spec's format.
  const exp = withTextTrace(typeof experiment === 'string' ? parseExperimentText(experiment) : parseExperiment(experiment));
  const registry = builtinRegistry.with(modules.map((def) => ({ def, source: { package: 'test', version: '0.0.0', digest: sha256('test') } })));
  validateExperiment(exp, registry);
  return plan(exp).map((point) => {
    const out = executeRun(exp, point, registry);
    return { index: point.index, seed: point.seed, params: point.params, summary: out.summary, files: out.files.texts() };
  });
}

