import type { z } from 'zod';
import type { Rng } from '../rng/stream.ts';
import type { JsonObject } from './json.ts';
import type { Graph } from './graph.ts';
import type { LatencyRule } from './latency.ts';
import type { ModuleKind } from './kinds.ts';
import type { EventContracts } from './events.ts';
import type { PanelsHook } from './panels.ts';

/** An executed event, exactly as it is logged to events.jsonl. */
export interface SimEvent {
  readonly time: number;
  readonly priority: number;
  readonly seq: number;
  readonly type: string;
  /** `instance` or `instance/entity` of the module that emitted it. */
  readonly source: string;
  /** `instance` or `instance/entity` of the module that handles it. */
  readonly target: string;
  readonly payload: JsonObject;
}

/**
 * What a module asks the scheduler for. It never sets the time: the scheduler
 * adds the institutional latency of the matching rule (and the edge latency
 * when `via` names a network) to the desired delay.
 */
export interface Intent {
  readonly type: string;
  /** `instance` or `instance/entity`; the instance's `handle[type]` receives it. */
  readonly target: string;
  readonly payload?: JsonObject;
  /** Desired delay in logical time units, >= 0. */
  readonly delay?: number;
  /** Lower runs first among events at the same time. Default 0. */
  readonly priority?: number;
  /** Communication channel, matched by latency rules. Defaults to the event type. */
  readonly channel?: string;
  /** Entity inside the source module sending it (an agent id, a node id). */
  readonly from?: string;
  /** A network instance: adds the weight of edge (from -> target entity) as latency. */
  readonly via?: string;
}

/** A policy's answer to an intent. Refusals are logged and sent back to the source as `intent.refused`. */
export type Verdict =
  | { readonly allow: true; readonly intent?: Intent }
  | { readonly allow: false; readonly reason: string; readonly code?: string };

/** What a policy sees when it reviews an intent: time and the published metrics, read-only. */
export interface PolicyView {
  readonly now: number;
  /** Current value of metric `instance.key`; throws if no module publishes it. */
  metric(column: string): number;
}

/** The view a module has of the running simulation. Bound to the module instance. */
export interface Sim {
  readonly now: number;
  /** Number of events executed so far. */
  readonly executed: number;
  /** Schedules an intent from this module (policies review it first). */
  emit(intent: Intent): void;
}

/** What a module's create() returns. Every part is optional. */
export interface ModuleRuntime {
  /** network modules: the graph they built. */
  readonly graph?: Graph;
  /** Called once at time 0, in module order, to schedule the first events. */
  start?(sim: Sim): void;
  /** Handlers for the event types this module is the target of. */
  readonly handle?: Readonly<Record<string, (event: SimEvent, sim: Sim) => void>>;
  /** policy modules: reviews every intent other modules emit, in module order. */
  review?(intent: Intent & { readonly source: string }, view: PolicyView): Verdict;
  /**
   * policy modules: the only intent types review() can refuse or rewrite; the
   * engine lets every other type pass without asking. Unset: every intent is
   * reviewed. A promise about review(): it must allow the others untouched.
   */
  readonly reviews?: readonly string[];
  /** Metric values after each event (columns `instance.key` of metrics.csv). Keys must be stable. */
  metrics?(): Readonly<Record<string, number>>;
  /** Module-specific final results for summary.json. */
  summary?(): JsonObject;
  /**
   * Post-hoc analysis over the finished run's log. Runs after the simulation
   * and cannot affect it, and before this module's summary(), which may
   * report what it found. Returns extra files (name -> content).
   */
  analyze?(log: RunLog): Readonly<Record<string, string>>;
}

/** A run's metric table: one row after every executed event, one column per published metric. */
export interface MetricRows {
  /** Column names, `instance.key`. */
  readonly columns: readonly string[];
  /** Number of rows. */
  readonly length: number;
  /** Every value of one column, in row order. */
  column(index: number): Float64Array;
  /** One row's values, in column order. */
  row(index: number): number[];
}

export interface RunLog {
  readonly events: readonly SimEvent[];
  /** Row i holds the metrics after events[i]. */
  readonly metrics: MetricRows;
}

/** Read access to a run's files as text. A Map<string, string> is one. */
export interface TextFiles {
  get(name: string): string | undefined;
}

/** What a module's checks (`verify`) read of a finished run: its files as text, and its event log whatever the trace's format. */
export interface RunFilesView extends TextFiles {
  /** The executed events in order, read from the event log (none at trace levels without one). */
  events(): AsyncIterable<SimEvent>;
}

export interface ModuleContext {
  /** Instance name in the spec. */
  readonly instance: string;
  /** A seeded stream for this module instance, or for one entity inside it. */
  rng(entity?: string): Rng;
  /** A network built by an earlier module. */
  network(instance: string): Graph;
  readonly horizon: { readonly time?: number; readonly events?: number };
  /**
   * The text of a file of an earlier run that the module's inputs() named,
   * fetched from its store and checked against the sha256 the spec gives.
   * Throws for a name inputs() did not declare.
   */
  input(name: string): string;
}

/**
 * A file of an earlier, stored run that a module reads when it is created (a
 * warm start from that run's state). The spec names it by the result set's
 * URI, the run id, the file and its sha256, so the run that reads it is as
 * reproducible as one that reads nothing: other bytes are refused.
 */
export interface RunInput {
  /** What create() passes to ctx.input(). */
  readonly name: string;
  /** Where the reference sits in the module's config (['warmStart']); errors name its fields below it. */
  readonly path: readonly (string | number)[];
  /** The result set's URI, as `swarmlab run` prints it after `results:` (file://DIR or s3://BUCKET/PREFIX). */
  readonly results: string;
  /** The run's id in that result set (run-000003). */
  readonly run: string;
  /** The file's name among the run's files. */
  readonly file: string;
  /** The file's sha256 (lower-case hex), as the run's run.json records it. */
  readonly sha256: string;
  /** Checks the fetched text; returns what is wrong with it, or undefined when it can be used. */
  check?(text: string): string | undefined;
}

/** A network as the plan sees it: declared by its module from the config alone, without building the graph. */
export interface NetworkView {
  readonly instance: string;
  readonly module: string;
  /** Number of nodes the graph will have; undefined when its module declares none. */
  readonly size: number | undefined;
  /** The node ids in order; undefined when its module declares no nodes. */
  readonly nodeIds: readonly string[] | undefined;
  /** Whether the graph will have node id; undefined when its module declares no nodes. */
  hasNode(id: string): boolean | undefined;
  /** Whether the graph has edge from -> to: true or false when the config fixes it, undefined when it depends on the seed. */
  hasEdge(from: string, to: string): boolean | undefined;
}

/** Another instance of the scenario, as a validate hook sees it. */
export interface InstanceView {
  readonly instance: string;
  readonly kind: ModuleKind;
  readonly module: string;
  /** The metric keys its module declares it publishes (`publishes.metrics`); undefined when the module declares none (keys that depend on its config). */
  readonly metrics?: readonly string[];
}

/**
 * The resolved scenario at one parameter point, as a validate hook sees it.
 * Configs are parsed (defaults applied). Read only what the check needs: the
 * plan checks each distinct combination of what was read once.
 */
export interface ScenarioView {
  /** The instance being validated. */
  readonly self: InstanceView;
  /** Every instance of the scenario, in spec order. */
  readonly instances: readonly InstanceView[];
  instance(name: string): InstanceView | undefined;
  /** The parsed config of an instance; undefined if there is none of that name. */
  config(name: string): Readonly<Record<string, unknown>> | undefined;
  /** A network instance's declared shape; undefined if `name` is not a network instance. */
  network(name: string): NetworkView | undefined;
  readonly latency: readonly LatencyRule[];
  readonly horizon: { readonly time?: number; readonly events?: number };
}

/** A problem a validate hook finds: `path` is relative to the module's own config (`['agents']`, `['seedSet', 2]`). */
export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly hint?: string;
}

export interface ModuleDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly kind: ModuleKind;
  readonly name: string;
  /** Semver of the module's behaviour: bump it whenever outputs for the same config change. */
  readonly version: string;
  readonly description: string;
  /** Config schema, with defaults and `.describe()` on every field. */
  readonly config: S;
  /**
   * The events this module handles and emits, with their payload schemas
   * (defineEvent). The plan checks that every event it emits to another
   * instance is one that instance's module handles, when that module declares
   * its events too.
   */
  readonly events?: EventContracts<z.output<S>>;
  /** Instance names this module needs created first (e.g. the network it reads). */
  dependsOn?(config: z.output<S>): readonly string[];
  /**
   * Checks that need the rest of the scenario (a network's size, another
   * instance's kind), run when the spec is planned, before any run: every
   * configuration error a run would hit belongs here, not in create(). Must
   * be pure and quick: it runs under a time limit, once per distinct
   * combination of this config and what it reads from `scenario`.
   */
  validate?(config: z.output<S>, scenario: ScenarioView): readonly ConfigIssue[];
  /**
   * network modules: the graph's node ids from the config alone, cheaply: a
   * count n (ids "0".."n-1") or the id list.
   */
  nodes?(config: z.output<S>): number | readonly string[];
  /** network modules: whether the config alone fixes edge from -> to (true/false), or undefined when the seed decides. */
  edge?(config: z.output<S>, from: string, to: string): boolean | undefined;
  /** Files of earlier stored runs this instance reads at create() (ctx.input), fetched and hash-checked before the run. */
  inputs?(config: z.output<S>): readonly RunInput[];
  create(config: z.output<S>, ctx: ModuleContext): ModuleRuntime;
  /**
   * What the module publishes, for the catalogue (`swarmlab modules NAME`) and
   * the docs: its metric keys (columns `instance.key`) and the extra files
   * analyze() writes, each with a description.
   */
  readonly publishes?: { readonly metrics?: Readonly<Record<string, string>>; readonly files?: Readonly<Record<string, string>> };
  /** Schemas of the extra JSON files analyze() writes, checked before they are promoted. */
  readonly outputs?: Readonly<Record<string, z.ZodType>>;
  /** Extra integrity checks on a finished run's files; returns problems found. */
  verify?(files: RunFilesView): string[] | Promise<string[]>;
  /** The module's views in the experiment's report, from a sample of its runs (panels.ts). */
  readonly panels?: PanelsHook;
  /**
   * The files of `outputs` that `panels` reads (PanelRun.outputs); every one
   * when unset. The report reads and checks each one listed for every run of
   * its sample, up to 300 runs: leave out what the panels do not read.
   */
  readonly panelOutputs?: readonly string[];
}

/** Identity helper that keeps the config type flowing into create(). */
export function defineModule<S extends z.ZodObject>(def: ModuleDefinition<S>): ModuleDefinition<S> {
  return def;
}
