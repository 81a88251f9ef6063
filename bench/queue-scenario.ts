// The M/M/1 queue scenario end to end in one run: engine + modules + policy
// + network latency + event log + metrics rows, as `swarmlab run` executes it.
// Reports events per second, the CPU of checking the run's files, and peak
// memory (RSS). The trace format is the spec's default (parquet) and the
// level complete unless given.
// Run: node bench/queue-scenario.ts [horizon] [parquet|text] [complete|final]
import { readFileSync } from 'node:fs';
import { builtinRegistry } from '../runner/src/modules/builtin-registry.ts';
import { executeRun } from '../runner/src/run/execute.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { planRun } from '../runner/src/spec/plan.ts';
import { checkRunFiles } from '../runner/src/outputs/check-run.ts';

const horizon = Number(process.argv[2] ?? 100_000);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
const format = process.argv[3] === 'text' ? 'text' : 'parquet';
const level = process.argv[4] === 'final' ? 'final' : 'complete';
exp.spec.output = { ...exp.spec.output, trace: { level, format } };
const point = planRun(exp, 5);
let peak = process.memoryUsage().rss;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const out = executeRun(exp, point, builtinRegistry);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const c1 = process.cpuUsage(c0);
const cpuSeconds = (c1.user + c1.system) / 1e6;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const bytes = out.files.names().reduce((n, name) => n + (out.files.bytes(name)?.byteLength ?? 0), 0);
const c2 = process.cpuUsage();
const problems = await checkRunFiles(out.files, builtinRegistry);
const checkCpu = process.cpuUsage(c2);
if (problems.length > 0) throw new Error(problems.join('\n'));
console.log(
  JSON.stringify({
    bench: 'queue-scenario',
    horizon,
    level,
    events: out.summary.engine.events,
    seconds: Number(seconds.toFixed(3)),
    eventsPerWallSecond: Math.round(out.summary.engine.events / seconds),
    // Includes GC threads' CPU, so it is a lower bound on one core's rate.
    eventsPerCpuSecond: Math.round(out.summary.engine.events / cpuSeconds),
    format: out.summary.trace?.format,
    outputMiB: Number((bytes / 2 ** 20).toFixed(1)),
    bytesPerEvent: Number((bytes / out.summary.engine.events).toFixed(1)),
    checkCpuSeconds: Number(((checkCpu.user + checkCpu.system) / 1e6).toFixed(2)),
    peakRssMiB: Math.round(peak / 2 ** 20),
  }),
);
