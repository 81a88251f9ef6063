import { z } from 'zod';
import { ModuleKind } from '../sdk/kinds.ts';
import { strictObject } from './strict-object.ts';
import { repeatedGridParams } from './sweep-duplicates.ts';
import { designParameterSchema, designSchema } from './design.ts';
import { breakingPointSchema, Replication } from './adaptive.ts';

// The Experiment document: the same file runs locally (`swarmlab run`) and on a
// cluster (`kubectl apply`). Everything here must stay within what a
// structural CRD schema can express (see DESIGN.md): no type unions except on
// nodes marked with `crd` overrides that the CRD generator substitutes.

export const API_GROUP = 'swarmlab.io';
/** The version of the API group the Experiment is served at (the CRD's version). */
export const API_GROUP_VERSION = 'v1alpha1';
export const API_VERSION = `${API_GROUP}/${API_GROUP_VERSION}`;
export const DEFAULT_MAX_RUNS = 100_000;
/** The largest block of runs one pod may be given (spec.execution.runsPerPod). */
export const MAX_RUNS_PER_POD = 10_000;

/** Attaches the schema node a structural CRD should use where zod's own JSON Schema would not be structural. */
function crd<T extends z.ZodType>(schema: T, node: Record<string, unknown>): T {
  return schema.meta({ 'x-swarmlab-crd': node });
}

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and -, starting and ending alphanumeric');

export const identifier = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z][a-z0-9-]*$/, 'must start with a lower-case letter and hold only lower-case letters, digits and -');

export const ParamValue = crd(z.union([z.number(), z.string().max(256), z.boolean()]), {
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'A number, string or boolean.',
}).describe('A parameter value: a number, string or boolean.');
export type ParamValue = z.infer<typeof ParamValue>;

const paramPath = z
  .string()
  .min(3)
  .max(253)
  .regex(/^[a-z][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_-]+)+$/, 'must be a dotted path: <module instance>.<config key>[.<key>...], latency.<rule>.<field> or horizon.<field>')
  .describe('Where the value goes: `<module instance>.<config key path>`, `latency.<rule name>.<field>` or `horizon.time|events`.');

export { ModuleKind };

export const ModuleRef = strictObject({
    kind: ModuleKind.describe('Module kind.'),
    module: identifier.describe('Registry name of the module, e.g. `erdos-renyi`.'),
    name: identifier.optional().describe('Instance name, unique in the scenario; defaults to the module name. Parameters and events address the instance by it.'),
    version: z.string().max(64).optional().describe('Semver range the module version must satisfy, e.g. `^1.0.0`.'),
    config: crd(z.record(z.string(), z.unknown()), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true })
      .default({})
      .describe('Module configuration; checked against the module\'s own schema before any run starts.'),
  })
  .describe('One module instance of the scenario.');
export type ModuleRef = z.infer<typeof ModuleRef>;

const nonNegative = z.number().min(0);
export const LatencyRuleSpec = strictObject({
    name: identifier.describe('Rule name; parameters address it as `latency.<name>.<field>`.'),
    source: identifier.optional().describe('Applies to intents emitted by this module instance; unset: any.'),
    channel: z.string().min(1).max(63).optional().describe('Applies to intents on this channel (default channel: the event type); unset: any.'),
    model: z.enum(['fixed', 'uniform', 'exponential', 'normal', 'lognormal', 'edge']).describe('Latency distribution.'),
    value: nonNegative.optional().describe('fixed: the latency.'),
    min: nonNegative.optional().describe('uniform: lower bound.'),
    max: nonNegative.optional().describe('uniform: upper bound.'),
    mean: nonNegative.optional().describe('exponential, normal: the mean.'),
    sd: nonNegative.optional().describe('normal: the standard deviation.'),
    mu: z.number().optional().describe('lognormal: mean of the underlying normal.'),
    sigma: nonNegative.optional().describe('lognormal: sd of the underlying normal.'),
    scale: nonNegative.optional().describe('edge: factor on the weight of the network edge the intent travels.'),
  })
  .superRefine((r, ctx) => {
    const need: Record<string, readonly (keyof typeof r)[]> = {
      fixed: ['value'],
      uniform: ['min', 'max'],
      exponential: ['mean'],
      normal: ['mean', 'sd'],
      lognormal: ['mu', 'sigma'],
      edge: [],
    };
    for (const k of need[r.model] ?? []) {
      if (r[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `model ${r.model} needs ${k}` });
    }
    if (r.model === 'uniform' && r.min !== undefined && r.max !== undefined && r.min > r.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
    }
  })
  .describe('Institutional latency added by the scheduler to matching intents; the first matching rule applies.');
export type LatencyRuleSpec = z.infer<typeof LatencyRuleSpec>;

export const Horizon = strictObject({
    time: z.number().positive().optional().describe('Logical time after which no event runs.'),
    events: z.number().int().positive().optional().describe('Maximum number of events a run executes.'),
  })
  .refine((h) => h.time !== undefined || h.events !== undefined, { message: 'set time, events or both' })
  .describe('When a run stops (it also stops when no events remain).');

export const Scenario = strictObject({
    description: z.string().max(4096).optional().describe('What the scenario models.'),
    modules: z.array(ModuleRef).min(1).max(64).describe('Module instances: networks, policies and agents.'),
    latency: z.array(LatencyRuleSpec).max(64).default([]).describe('Scheduler latency rules, first match wins.'),
    horizon: Horizon,
  })
  .describe('The simulation: its modules, latency rules and horizon.');
export type Scenario = z.infer<typeof Scenario>;

export const Seeds = strictObject({
    base: z.number().int().min(0).max(4294967295).default(1).describe('Experiment seed; replica seeds are hashed from it.'),
    replicas: z.number().int().min(1).max(100_000).optional().describe('Number of seeds hashed from base.'),
    list: z.array(z.number().int().min(0).max(4294967295)).min(1).max(100_000).optional().describe('Explicit run seeds, used as given.'),
  })
  .refine((s) => !(s.replicas !== undefined && s.list !== undefined), { message: 'give replicas or list, not both' })
  .describe('Seeds every parameter point is run with.');

export const GridAxis = strictObject({
    param: paramPath,
    values: z.array(ParamValue).min(1).max(10_000).describe('Values of this parameter.'),
  })
  .describe('One axis of the parameter grid.');

export const DesignParameter = designParameterSchema(paramPath, ParamValue);
export type DesignParameter = z.infer<typeof DesignParameter>;
export const Design = designSchema(DesignParameter);
export type Design = z.infer<typeof Design>;

export const BreakingPoint = breakingPointSchema(paramPath);
export type BreakingPoint = z.infer<typeof BreakingPoint>;
export { Replication };

export const Sweep = strictObject({
    seeds: Seeds.default({ base: 1 }),
    grid: z.array(GridAxis).max(32).default([]).describe('Axes whose cartesian product, times the seeds, gives the runs.'),
    design: Design.optional().describe('Parameter points from a design (random, Latin hypercube, Sobol\', Saltelli, Morris) instead of a grid; run before the explicit points.'),
    points: z
      .array(crd(z.record(paramPath, ParamValue), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }))
      .max(10_000)
      .default([])
      .describe('Explicit parameter points, run after the grid points.'),
    replication: Replication.optional().describe('Run each point in rounds, adding seeds until its mean is precise enough (instead of a fixed number of seeds).'),
    breakingPoint: BreakingPoint.optional().describe('Search, in rounds, the value of a parameter where a criterion on a metric starts to hold (one search per grid or explicit point).'),
    maxRuns: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_RUNS).describe('Refuse sweeps with more runs than this (an adaptive sweep: the most runs its rounds can make).'),
  })
  .superRefine((s, ctx) => {
    for (const r of repeatedGridParams(s.grid)) {
      ctx.addIssue({ code: 'custom', path: ['grid', r.index, 'param'], message: `parameter ${r.param} is already swept by grid[${r.first}]; give each parameter one axis` });
    }
    if (s.design !== undefined && s.grid.length > 0) ctx.addIssue({ code: 'custom', path: ['design'], message: 'give a grid or a design, not both (explicit points may follow either)' });
    const adaptive = s.replication !== undefined ? 'replication' : s.breakingPoint !== undefined ? 'breakingPoint' : undefined;
    if (s.replication !== undefined && s.breakingPoint !== undefined) ctx.addIssue({ code: 'custom', path: ['breakingPoint'], message: 'give replication or breakingPoint, not both (a breaking-point search adds seeds to each probed value itself)' });
    if (adaptive !== undefined) {
      const seeds = adaptive === 'replication' ? 'replication.maxSeeds' : 'breakingPoint.maxSeeds';
      if (s.seeds.replicas !== undefined) ctx.addIssue({ code: 'custom', path: ['seeds', 'replicas'], message: `${adaptive} decides how many seeds each point gets (up to ${seeds}); remove seeds.replicas` });
      if (s.seeds.list !== undefined) ctx.addIssue({ code: 'custom', path: ['seeds', 'list'], message: `${adaptive} hashes its seeds from seeds.base (up to ${seeds}); remove seeds.list` });
    }
    const b = s.breakingPoint;
    if (b !== undefined) {
      if (s.design !== undefined) ctx.addIssue({ code: 'custom', path: ['design'], message: 'a breaking-point search takes a grid or explicit points (one search at each), not a design' });
      const a = s.grid.findIndex((axis) => axis.param === b.parameter);
      if (a >= 0) ctx.addIssue({ code: 'custom', path: ['grid', a, 'param'], message: `${b.parameter} is the parameter breakingPoint searches; the grid may sweep the others` });
      s.points.forEach((point, j) => {
        if (b.parameter in point) ctx.addIssue({ code: 'custom', path: ['points', j, b.parameter], message: `${b.parameter} is the parameter breakingPoint searches; explicit points may set the others` });
      });
    }
  })
  .describe('Seeds x parameter points: a grid or a design, plus explicit points; optionally run in rounds (replication, breakingPoint).');
export type Sweep = z.infer<typeof Sweep>;

// Kubernetes quantity without sign or lookahead (Go regexp has none), e.g. 500m, 2, 1.5Gi, 1e3.
const quantity = z
  .string()
  .min(1)
  .max(32)
  .regex(/^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][0-9]{1,3})?$/, 'must be a Kubernetes quantity such as 500m, 2, 512Mi or 1.5Gi');

const ResourceList = strictObject({
    cpu: quantity.optional().describe('CPU, e.g. `500m` or `2`.'),
    memory: quantity.optional().describe('Memory, e.g. `256Mi` or `1Gi`.'),
  })
  .describe('CPU and memory quantities.');

const labelValue = z.string().max(63).regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'must be a label value: up to 63 letters, digits, -, _ and ., starting and ending alphanumeric');

export const Toleration = strictObject({
    key: z.string().max(253).optional().describe('Taint key; unset with operator Exists: every taint.'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Equal (default) or Exists.'),
    value: labelValue.optional().describe('Taint value for operator Equal.'),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect to match; unset: every effect.'),
    tolerationSeconds: z.number().int().min(0).max(31_536_000).optional().describe('NoExecute only: how long the pod stays bound after the taint appears.'),
  })
  .describe('A Kubernetes toleration for run pods.');

export const Execution = strictObject({
    parallelism: z.number().int().min(1).max(10_000).optional().describe('Local: worker processes, default all cores. Cluster: pods at once (Job parallelism), each running its block of runs (runsPerPod) on as many workers as it requests CPUs.'),
    retries: z.number().int().min(0).max(10).default(0).describe('Retries per failed run (cluster: Job backoffLimitPerIndex).'),
    maxFailedRuns: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .optional()
      .describe('Failure budget: once more runs than this have failed, the rest are not started and the experiment fails (cluster: Job maxFailedIndexes). Unset: every run is tried.'),
    runsPerPod: z
      .number()
      .int()
      .min(1)
      .max(MAX_RUNS_PER_POD)
      .optional()
      .describe(
        'Cluster: runs each pod runs, a contiguous block of the run matrix, through a pool of worker processes sized to the pod\'s CPU request (local runs ignore it). Unset: chosen from the sweep size and parallelism (docs/operator.md). Not part of the spec digest: it decides which pod runs a run, never what the run writes.',
      ),
    suspend: z.boolean().optional().describe('Cluster: pause the experiment; running runs are stopped and no new ones start until set back to false.'),
    activeDeadlineSeconds: z.number().int().min(1).max(31_536_000).optional().describe('Cluster: wall-clock limit for a Job of the experiment, after which its runs are stopped and counted failed.'),
    ttlSecondsAfterFinished: z.number().int().min(0).max(31_536_000).optional().describe('Cluster: delete finished Jobs (and their pods) this long after they finish; results stay in the store.'),
    resources: strictObject({
        requests: ResourceList.optional().describe('What the scheduler reserves per run pod.'),
        limits: ResourceList.optional().describe('The most a run pod may use.'),
      })
      .optional()
      .describe('Cluster: CPU and memory per run pod.'),
    nodeSelector: crd(
      z.record(z.string().min(1).max(317), labelValue).refine((m) => Object.keys(m).length <= 32, { message: 'at most 32 entries' }),
      { type: 'object', additionalProperties: { type: 'string', maxLength: 63 }, maxProperties: 32 },
    )
      .optional()
      .describe('Cluster: node labels run pods must be scheduled on.'),
    tolerations: z.array(Toleration).max(32).optional().describe('Cluster: taints run pods tolerate.'),
    queueName: labelValue
      .min(1)
      .optional()
      .describe('Cluster: Kueue LocalQueue to admit the Jobs through (sets the kueue.x-k8s.io/queue-name label).'),
  })
  .describe('How the runs are executed. Does not affect results.');
export type Execution = z.infer<typeof Execution>;

export const TRACE_LEVELS = ['complete', 'sampled', 'final'] as const;
export const TraceLevel = z.enum(TRACE_LEVELS);
export type TraceLevel = z.infer<typeof TraceLevel>;

export const TRACE_FORMATS = ['parquet', 'text'] as const;
export const TraceFormat = z.enum(TRACE_FORMATS);
export type TraceFormat = z.infer<typeof TraceFormat>;

export const Trace = strictObject({
    level: TraceLevel.default('complete').describe(
      'complete: every executed event (the event log) and the metrics after every event, the audit trail; sampled: no event log, the metrics row in force at every `every` time units or after every `every` events, and the last; final: no event log, the last metrics row only.',
    ),
    every: z.number().positive().optional().describe('sampled: the sampling interval, in time units or executed events (see unit). Required with sampled, refused otherwise.'),
    unit: z.enum(['time', 'events']).optional().describe('sampled: what every counts, logical time (default) or executed events.'),
    format: TraceFormat.default('parquet').describe(
      'parquet: events.parquet and metrics.parquet, typed columns compressed with zstd (readable by pandas, polars, DuckDB and Arrow); text: events.jsonl and metrics.csv, what `swarmlab export` writes from a Parquet trace byte for byte.',
    ),
  })
  .superRefine((t, ctx) => {
    if (t.level === 'sampled' && t.every === undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: 'level sampled needs every: the interval between metrics rows (time units, or events with unit: events)' });
    if (t.level !== 'sampled' && t.every !== undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: `every applies to level sampled only; this trace is ${t.level}` });
    if (t.level !== 'sampled' && t.unit !== undefined) ctx.addIssue({ code: 'custom', path: ['unit'], message: `unit applies to level sampled only; this trace is ${t.level}` });
    if (t.unit === 'events' && t.every !== undefined && !Number.isSafeInteger(t.every)) ctx.addIssue({ code: 'custom', path: ['every'], message: `every must be a whole number of events, not ${t.every}` });
  })
  .describe('How much of each run\'s course is written. Part of the spec digest: the same spec at another level is another result set.');
export type Trace = z.infer<typeof Trace>;

/** A run's trace level with its defaults filled in, as summary.json records it. */
export const RunTrace = z
  .object({
    level: TraceLevel,
    every: z.number().positive().optional().describe('sampled: the interval between rows.'),
    unit: z.enum(['time', 'events']).optional().describe('sampled: what every counts.'),
    format: TraceFormat.optional().describe('The files\' format (absent: text, as before schema 2.3.0).'),
  })
  .strict()
  .describe('The trace this run wrote: complete (an event log and a metrics row per event), sampled or final (metrics only), as Parquet or text.');
export type RunTrace = z.infer<typeof RunTrace>;

export const Output = strictObject({
    store: z.string().min(1).max(1024).default('file://./results').describe('Object store URI: file://<dir> or s3://<bucket>/<prefix>.'),
    trace: Trace.optional().describe('Trace level and format of every run (default: complete, parquet).'),
  })
  .describe('Where validated outputs go, and how much of each run\'s course they hold.');

export const ExperimentSpec = strictObject({
    scenario: Scenario,
    sweep: Sweep.default({ seeds: { base: 1 }, grid: [], points: [], maxRuns: DEFAULT_MAX_RUNS }),
    execution: Execution.default({ retries: 0 }),
    output: Output.default({ store: 'file://./results' }),
  })
  .describe('A multi-agent simulation scenario and the sweep to run it over.');
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;

export const Experiment = strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Experiment'),
  // Kubernetes fills metadata with fields of its own (labels, uid, ...).
  metadata: z.looseObject({
    name: dnsLabel.describe('Experiment name; also the folder of its results.'),
    namespace: z.string().max(63).optional(),
  }),
  spec: ExperimentSpec,
});
export type Experiment = z.infer<typeof Experiment>;
