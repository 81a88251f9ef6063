import { SwarmlabError } from '../errors.ts';
import { RngFactory } from '../rng/index.ts';
import { Simulation, type EngineInstance } from '../engine/index.ts';
import type { ModuleContext, ModuleRuntime } from '../sdk/module.ts';
import type { Graph } from '../sdk/graph.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { resolveScenario, type ResolvedModule } from '../modules/resolve.ts';
import { missingHandlers } from '../modules/event-contracts.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { RunPoint } from '../spec/plan.ts';
import { specDigest, traceOf } from '../spec/load.ts';
import { SCHEMA_VERSION, type Summary } from '../outputs/schemas.ts';
import type { RunLogSinks } from '../outputs/format-run-log.ts';
import { traceWriter } from '../outputs/trace-writer.ts';
import { ALL_TRACE_FILES } from '../outputs/trace-files.ts';
import type { StagingArea } from '../outputs/staged-file.ts';
import { RunFiles } from '../outputs/run-files.ts';
import { RUN_RECORD_FILE } from '../store/layout.ts';
import { RUNNER_VERSION } from '../version.ts';
import type { RunInputs } from './run-inputs.ts';


export interface RunOutput {
  /** The run's files in a fixed order, summary.json last. */
  readonly files: RunFiles;
  readonly summary: Summary;
  /** Definitions of the modules used, for validating their extra files. */
  readonly modules: readonly ResolvedModule[];
}

/**
 * Runs one point of the matrix in memory. Pure: the same experiment and point
 * give byte-identical files on any machine, worker count and run order.
 * With `sinks`, a text trace's files are views of their memory: valid until
 * the sinks are reused. With `staging`, a Parquet trace is streamed to files
 * there as the run goes (without, it is kept in memory). `inputs` are the
 * stored files the modules' inputs() name, already fetched and hash-checked
 * (fetchRunInputs).
 */
export function executeRun(exp: Experiment, point: RunPoint, registry: ModuleRegistry, sinks?: RunLogSinks, staging?: StagingArea, inputs?: RunInputs): RunOutput {
  const scenario = resolveScenario(exp.spec.scenario, point.params, registry);
  const rngs = new RngFactory(point.seed);
  const networks = new Map<string, Graph>();
  const instances: EngineInstance[] = [];

  for (const m of scenario.modules) {
    const ctx: ModuleContext = {
      instance: m.instance,
      rng: (entity?: string) => rngs.stream(m.instance, entity ?? ''),
      network: (name: string) => {
        const g = networks.get(name);
        if (!g) throw new SwarmlabError('RUN_FAILED', `${m.instance} asked for network ${name}, which is not a network module created before it`);
        return g;
      },
      horizon: scenario.horizon,
      input: (name: string) => {
        const text = inputs?.get(m.instance)?.get(name);
        if (text === undefined) throw new SwarmlabError('RUN_FAILED', `${m.instance} asked for input ${name}, which was not fetched: its module's inputs() must name it`);
        return text;
      },
    };
    const runtime: ModuleRuntime = m.def.create(m.config, ctx);
    const unhandled = missingHandlers(m, runtime);
    if (unhandled.length) throw new SwarmlabError('RUN_FAILED', `module ${m.instance} (${m.def.name}) declares it handles ${unhandled.join(', ')}, but create() returned no handler for ${unhandled.length > 1 ? 'them' : 'it'}`);
    if (m.kind === 'network') {
      if (!runtime.graph) throw new SwarmlabError('RUN_FAILED', `network module ${m.instance} built no graph`);
      networks.set(m.instance, runtime.graph);
    }
    instances.push({ instance: m.instance, kind: m.kind, runtime });
  }

  const sim = new Simulation(instances, scenario.horizon, scenario.latency, rngs.stream('engine', 'latency'), networks);
  // The files are written as the run goes; the log is kept only for modules that analyse it afterwards.
  const trace = traceOf(exp);
  const writer = traceWriter(trace, sinks, staging);
  const result = sim.run(writer, instances.some((i) => i.runtime.analyze !== undefined));

  const files = RunFiles.of(writer.finish());
  const results: Record<string, Record<string, unknown>> = {};
  for (const inst of instances) {
    // analyze() first, so that a module's summary can report what its analysis found.
    const extra = inst.runtime.analyze?.(result);
    const s = inst.runtime.summary?.();
    if (s) results[inst.instance] = s;
    if (extra) {
      for (const [name, content] of Object.entries(extra)) {
        if (files.has(name) || ALL_TRACE_FILES.has(name) || name === 'summary.json' || name === RUN_RECORD_FILE) {
          throw new SwarmlabError('RUN_FAILED', `module ${inst.instance} wants to write ${name}, which another module or the runner already writes`);
        }
        files.set(name, content);
      }
    }
  }
  const finalMetrics: Record<string, number> = {};
  const last = result.metrics.lastRow();
  if (last) {
    result.metrics.columns.forEach((c, i) => {
      finalMetrics[c] = last[i] as number;
    });
  }

  const summary: Summary = {
    schema_version: SCHEMA_VERSION,
    experiment: { name: exp.metadata.name, spec_digest: specDigest(exp) },
    run: { id: point.runId, index: point.index, seed: point.seed },
    params: { ...point.params },
    modules: scenario.modules.map((m) => ({ kind: m.kind, module: m.def.name, name: m.instance, version: m.def.version })),
    runner: { version: RUNNER_VERSION },
    engine: { events: result.executed, end_time: result.endTime, end_reason: result.endReason },
    trace,
    final_metrics: finalMetrics,
    results,
    files: files.names(),
  };
  files.set('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  return { files, summary, modules: scenario.modules };
}
