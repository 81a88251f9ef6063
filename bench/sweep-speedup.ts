// Local sweep speed-up: the same sweep of the M/M/1 scenario with 1 worker and
// with 2, each into a fresh store, through runLocal (what `swarmlab run` uses).
// The two are measured in alternating pairs and the median pair ratio is
// reported: on a shared VM the speed of a core drifts by tens of percent over
// minutes, and a pair measured back to back sees the same machine.
// Run: node bench/sweep-speedup.ts [runs] [horizon] [pairs]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../runner/src/modules/builtin.ts';
import { runLocal } from '../runner/src/run/local-executor.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { FileStore } from '../runner/src/store/file-store.ts';

const runs = Number(process.argv[2] ?? 128);
const horizon = Number(process.argv[3] ?? 2000);
const pairs = Number(process.argv[4] ?? 5);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
exp.spec.sweep.seeds = { base: 1, replicas: Math.ceil(runs / 4) };

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly digest: string;
}

/** CPU seconds of this process and of its finished children (worker processes); Linux only for the children. */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // /proc/self/stat fields 16 and 17: cutime and cstime, in clock ticks (100 per second on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    children = 0;
  }
  return (own.user + own.system) / 1e6 + children;
}

async function timed(workers: number): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
  const cpu0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = await runLocal(exp, { store: new FileStore(dir), registry: builtinRegistry, workers });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  if (r.failed > 0) throw new Error(`${r.failed} runs failed`);
  // Let the worker processes be reaped so their CPU time is counted.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { seconds, cpuSeconds: cpuSeconds() - cpu0, digest: r.manifest.digest };
}

const round = (x: number) => Number(x.toFixed(2));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

const measured: { one: Timing; two: Timing; speedup: number }[] = [];
for (let i = 0; i < pairs; i++) {
  const one = await timed(1);
  const two = await timed(2);
  measured.push({ one, two, speedup: one.seconds / two.seconds });
}
console.log(
  JSON.stringify({
    bench: 'sweep-speedup',
    runs: Math.ceil(runs / 4) * 4,
    horizon,
    pairs,
    medianSpeedup: round(median(measured.map((m) => m.speedup))),
    speedups: measured.map((m) => round(m.speedup)),
    oneWorkerSeconds: measured.map((m) => round(m.one.seconds)),
    twoWorkersSeconds: measured.map((m) => round(m.two.seconds)),
    // CPU seconds of this process and its worker processes: above the wall time, GC threads were busy on another core.
    oneWorkerCpuSeconds: measured.map((m) => round(m.one.cpuSeconds)),
    twoWorkersCpuSeconds: measured.map((m) => round(m.two.cpuSeconds)),
    sameDigest: measured.every((m) => m.one.digest === measured[0]?.one.digest && m.two.digest === m.one.digest),
  }),
);
